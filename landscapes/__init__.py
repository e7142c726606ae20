"""Loss functions and their geometry: 2-D test surfaces, data-defined losses, small networks.

No Streamlit here: the app, the tests and lecturers' notebooks all use this package.
"""

import jax

# Every number the lab shows is float64, whoever imports the core first.
jax.config.update("jax_enable_x64", True)

from landscapes.datasets import (  # noqa: E402
    DATASETS,
    DataLoss,
    Dataset,
    get_dataset,
    least_squares_minimum,
)
from landscapes.formula import (  # noqa: E402
    FORMULA_FUNCTIONS,
    MAX_FORMULA_LENGTH,
    Formula,
    FormulaError,
    parse_formula,
)
from landscapes.geometry import (  # noqa: E402
    CriticalPoint,
    classify,
    critical_points,
    hessian,
    hessian_eig,
)
from landscapes.surfaces import (  # noqa: E402
    SURFACES,
    Surface,
    check_bounds,
    custom_surface,
    get_surface,
    loss_grid,
)

__all__ = [
    "CriticalPoint",
    "classify",
    "critical_points",
    "hessian",
    "hessian_eig",
    "DATASETS",
    "DataLoss",
    "Dataset",
    "get_dataset",
    "least_squares_minimum",
    "FORMULA_FUNCTIONS",
    "MAX_FORMULA_LENGTH",
    "SURFACES",
    "Formula",
    "FormulaError",
    "Surface",
    "check_bounds",
    "custom_surface",
    "get_surface",
    "loss_grid",
    "parse_formula",
]
