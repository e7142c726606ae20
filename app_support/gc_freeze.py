"""Keep Streamlit's garbage collection after every script run cheap.

Streamlit runs a full `gc.collect()` after each script run (`runner.postScriptGC`), so that
the cyclic garbage of a rerun does not pile up. A full collection walks every object the
collector tracks, and with JAX, Plotly and Streamlit imported that is some 200,000 objects:
about 120 ms per rerun, almost half of the server's time when a class moves sliders at once
(`python -m bench.load`, profiled with py-spy). Those objects — modules, classes, compiled
functions — live as long as the process, so once the first page has run they are moved to the
collector's permanent generation (`gc.freeze`), and each later collection only walks what
reruns create: well under a millisecond.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_long_lived_objects() -> bool:
    """Move every object tracked now to the permanent generation, once per process; call it
    after the first script run (imports done, first functions compiled). True if it froze."""
    global _frozen
    if _frozen:
        return False
    gc.collect()  # what is garbage now should be freed, not kept for good
    gc.freeze()
    _frozen = True
    return True
