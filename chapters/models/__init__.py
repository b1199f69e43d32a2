from .figures import BaselineFigure, CommuneTotal, Summary, SummaryGeneration
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
    "Summary",
    "TemporaryPassword",
    "SummaryGeneration",
    "Term",
    "TreeVersion",
    "Unit",
    "UnitName",
]
