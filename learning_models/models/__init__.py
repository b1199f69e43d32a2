from .catalogue import CriteriaSet, Criterion, Target, TitleType
from .classes import ClassParticipant, LearningClass
from .records import TitleRecord

__all__ = ["ClassParticipant", "CriteriaSet", "Criterion", "LearningClass", "Target", "TitleRecord", "TitleType"]
