from .figures import BaselineFigure, CommuneTotal, CommuneTotalPending, Summary, SummaryGeneration
from .leadership import LeadershipPosition, Term
from .periods import ClosedPeriod
from .roles import Role, TemporaryPassword
from .tree import Lineage, ParentLink, TreeVersion, Unit, UnitName

__all__ = [
    "BaselineFigure",
    "ClosedPeriod",
    "LeadershipPosition",
    "Lineage",
    "ParentLink",
    "Role",
    "CommuneTotal",
    "CommuneTotalPending",
    "Summary",
    "TemporaryPassword",
    "SummaryGeneration",
    "Term",
    "TreeVersion",
    "Unit",
    "UnitName",
]
