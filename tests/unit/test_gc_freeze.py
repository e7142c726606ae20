import gc

from app_support import gc_freeze


def test_freezes_once_and_leaves_little_for_full_collections(monkeypatch):
    import jax  # noqa: F401  (many long-lived objects, as in the server)
    import plotly.graph_objects  # noqa: F401

    monkeypatch.setattr(gc_freeze, "_frozen", False)
    walked_before = len(gc.get_objects())  # what a full collection walks
    try:
        assert gc_freeze.freeze_long_lived_objects()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000
        assert len(gc.get_objects()) < walked_before / 10
        assert not gc_freeze.freeze_long_lived_objects()  # once per process
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
