"""The export's worker processes (`app_support.export`): a worker that dies does not take the
lab's downloads with it."""

import io
import os
import signal

from PIL import Image

from app_support import export
from viz import render


def test_a_pool_whose_worker_died_is_replaced_for_the_next_export():
    export.start_workers(1)
    pool = export._pool(1)
    pid = pool.submit(os.getpid).result(timeout=120)
    os.kill(pid, signal.SIGKILL)  # the worker killed (out of memory, say) between two exports
    spec = {
        "data": [{"type": "scatter", "x": [0, 1], "y": [0, 1]}],
        "layout": {"width": 200, "height": 150},
        "frames": [{"name": str(i), "data": [{"x": [0, i], "y": [0, 1]}]} for i in range(3)],
    }
    gif = export.animation_file(spec, "gif", (200, 150), 5.0, 3, workers=1)
    assert Image.open(io.BytesIO(gif)).format == "GIF"
    assert gif == render.animation_bytes(spec, "gif", (200, 150), 5.0, 3)  # as drawn here
    assert export._pool(1) is not pool
