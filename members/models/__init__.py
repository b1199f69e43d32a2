from .households import Clan, Household
from .members import Due, Member, Membership, MoveRequest
from .privacy import Erasure, PersonalDataAccess

__all__ = ["Clan", "Due", "Erasure", "Household", "Member", "Membership", "MoveRequest", "PersonalDataAccess"]
