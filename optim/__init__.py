"""The optimizers of the lectures and the jitted runner that walks them over a loss.

No Streamlit here: the app, the tests and lecturers' notebooks all use this package.
"""

import jax

# Every number the lab shows is float64, whoever imports the core first.
jax.config.update("jax_enable_x64", True)

from optim import theory  # noqa: E402
from optim.hyper import Hyper  # noqa: E402
from optim.metrics import (  # noqa: E402
    batch_steps_to_tolerance,
    distance_to,
    final_loss,
    first_below,
    path_length,
    steps_to_tolerance,
)
from optim.rules import LECTURE_OPTIMIZERS, OPTIMIZERS, RULES, Rule, get_rule  # noqa: E402
from optim.run import (  # noqa: E402
    CLIPS,
    L1_MODES,
    MAX_STEPS,
    OPTIONS,
    BatchTrajectory,
    Trajectory,
    run,
    run_batch,
)
from optim.schedules import SCHEDULES, Schedule, get_schedule, learning_rate_at  # noqa: E402

__all__ = [
    "CLIPS",
    "L1_MODES",
    "LECTURE_OPTIMIZERS",
    "MAX_STEPS",
    "OPTIMIZERS",
    "OPTIONS",
    "RULES",
    "SCHEDULES",
    "BatchTrajectory",
    "Hyper",
    "Rule",
    "Schedule",
    "Trajectory",
    "distance_to",
    "batch_steps_to_tolerance",
    "final_loss",
    "first_below",
    "get_rule",
    "get_schedule",
    "learning_rate_at",
    "path_length",
    "run",
    "run_batch",
    "steps_to_tolerance",
    "theory",
]
