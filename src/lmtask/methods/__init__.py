"""Classification methods, each registered by name (``lmtask.methods.list_methods()``)."""

from lmtask.methods.base import Classifier, get_method, list_methods, register_method
from lmtask.methods.vader import Vader
from lmtask.methods.zero_shot import ZeroShot, ZeroShotConfig

__all__ = [
    "Classifier",
    "Vader",
    "ZeroShot",
    "ZeroShotConfig",
    "get_method",
    "list_methods",
    "register_method",
]
