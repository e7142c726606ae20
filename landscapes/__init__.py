"""Loss functions and their geometry: 2-D test surfaces, data-defined losses, small networks.

No Streamlit here: the app, the tests and lecturers' notebooks all use this package.
"""

import jax

# Every number the lab shows is float64, whoever imports the core first.
jax.config.update("jax_enable_x64", True)

from landscapes.surfaces import SURFACES, Surface, get_surface, loss_grid  # noqa: E402

__all__ = ["SURFACES", "Surface", "get_surface", "loss_grid"]
