"""Figures of the depth page: traces, frames and axes, checked without Streamlit (and validated
by Plotly: the builders skip validation for speed)."""

import numpy as np
import plotly.graph_objects as go
import pytest

from landscapes import depth, nfl, regions
from viz import depth as figures
from viz.figure import decode_array
from viz.theme import Look

BOX = ((-3.0, 3.0), (-3.0, 3.0))
LOOKS = [Look(), Look(dark=True, presentation=True)]


def validate(fig) -> dict:
    as_dict = fig.to_dict()
    go.Figure(as_dict)  # raises on anything Plotly would not accept, frames included
    return as_dict


def decode_map(z) -> np.ndarray:
    return decode_array(z).reshape([int(s) for s in z["shape"].split(",")])


@pytest.mark.parametrize("look", LOOKS)
def test_the_tilt_animation_has_a_frame_per_state_and_its_counts_in_the_labels(look):
    n = 4
    states = [depth.tilted_arrangement(n, 2, "general", t) for t in range(n + 1)]
    maps = [regions.region_map(lines, BOX, 60) for lines in states]
    counts = [depth.count_regions(lines) for lines in states]
    crossings = [np.zeros((0, 2))] + [depth.crossings_on(states[t], t - 1) for t in range(1, n + 1)]
    fig = figures.tilt_figure(
        maps[0][0],
        maps[0][1],
        [m[2] for m in maps],
        states,
        counts,
        crossings,
        BOX,
        active=2,
        look=look,
    )
    spec = validate(fig)
    assert len(spec["frames"]) == n + 1
    steps = spec["layout"]["sliders"][0]["steps"]
    assert [s["label"] for s in steps] == [f"{t} → {counts[t]} regions" for t in range(n + 1)]
    assert spec["layout"]["sliders"][0]["active"] == 2
    # the figure shows state 2; frame t has as many tints' regions as the map of state t
    shown = decode_map(spec["data"][0]["z"])
    np.testing.assert_array_equal(shown, figures.region_tints(maps[2][2]))
    for t, frame in enumerate(spec["frames"]):
        np.testing.assert_array_equal(
            decode_map(frame["data"][0]["z"]), figures.region_tints(maps[t][2])
        )
        assert len(decode_array(frame["data"][2]["x"])) == len(crossings[t])
    # every frame redraws (a heat map does not move without it)
    assert all(s["args"][1]["frame"]["redraw"] for s in steps)
    # given the shown state's map alone: the same picture and controls, the frames left out
    still = validate(
        figures.tilt_figure(
            maps[0][0], maps[0][1], maps[2][2], states, counts, crossings, BOX, active=2, look=look
        )
    )
    assert "frames" not in still
    assert still["data"] == spec["data"] and still["layout"] == spec["layout"]


def test_region_tints_differ_across_every_shared_edge():
    lines = regions.random_lines(6, 2)
    _, _, ids = regions.region_map(lines, BOX, 120)
    tints = figures.region_tints(ids)
    different = ids[:, 1:] != ids[:, :-1]
    assert np.all(tints[:, 1:][different] != tints[:, :-1][different])


def test_points_and_planes_figures():
    spec = validate(figures.points_figure([-1.0, 0.5, 2.0], (-3, 3), 4))
    assert sum(1 for t in spec["data"] if t["mode"] == "lines") == 4  # four intervals
    planes = depth.tilted_arrangement(4, 3, "general", tilted=2)
    box = ((-2, 2), (-2, 2), (-2, 2))
    spec = validate(figures.planes_figure(planes, [True, True, False, False], box))
    meshes = [t for t in spec["data"] if t["type"] == "mesh3d"]
    for trace in meshes:
        k = int(trace["name"].split()[1]) - 1
        xyz = np.stack([decode_array(trace[c]) for c in "xyz"], -1)
        np.testing.assert_allclose(xyz @ planes[k, :3] + planes[k, 3], 0, atol=1e-4)  # on it
        assert np.all(np.abs(xyz) <= 2 + 1e-5)  # inside the box
        assert len(decode_array(trace["i"])) == len(xyz) - 2  # a fan of triangles
    assert [t["color"] == "#9a9a9a" for t in meshes] == [
        t["name"].endswith("(vertical)") for t in meshes
    ]
    # the polygon of the plane z = 0.5 in the cube [0, 1]³ is the square at that height
    square = figures.plane_polygon([0.0, 0.0, 1.0, -0.5], ((0, 1), (0, 1), (0, 1)))
    assert len(square) == 4 and np.allclose(square[:, 2], 0.5)
    assert len(figures.plane_polygon([0.0, 0.0, 1.0, -5.0], ((0, 1), (0, 1), (0, 1)))) == 0
    # a polygon's corners go round it: consecutive edges turn the same way
    hexagon = figures.plane_polygon([1.0, 1.0, 1.0, -1.5], ((0, 1), (0, 1), (0, 1)))
    assert len(hexagon) == 6
    edges = np.diff(np.concatenate([hexagon, hexagon[:1]]), axis=0)
    turns = np.cross(edges, np.roll(edges, -1, axis=0)) @ np.ones(3)
    assert np.all(turns > 0) or np.all(turns < 0)


def test_tilt_count_and_nfl_figures():
    ts, counts = depth.tilt_counts(5, 2)
    spec = validate(figures.tilt_count_figure(ts, counts, counts, start_label="n + 1"))
    np.testing.assert_array_equal(decode_array(spec["data"][1]["y"]), counts)
    table = nfl.accuracy_table(5, (0, 2))
    values = {f: [float(table[l][f]) for l in nfl.LEARNERS] for f in nfl.FAMILIES}
    spec = validate(figures.nfl_figure([nfl.LEARNER_TITLES[l] for l in nfl.LEARNERS], values))
    assert len(spec["data"]) == 2
    np.testing.assert_allclose(decode_array(spec["data"][0]["y"]), 0.5)


@pytest.mark.parametrize("look", LOOKS)
def test_maps_side_by_side(look):
    xs, ys, points = depth.grid_points(BOX, 40)
    protos = np.array([[0.0, 0.0], [1.0, 1.0], [-1.5, 2.0]])
    index, label = depth.nearest_neighbour(protos, [0, 1, 1], points)
    panels = [
        figures.Panel(
            "1-NN",
            xs,
            ys,
            label,
            points=protos,
            labels=np.array([0, 1, 1]),
            edges=figures.cell_edges(index),
        ),
        figures.Panel("regions", xs, ys, index, kind="regions", lines=np.array([[1.0, 0.0, 0.0]])),
    ]
    spec = validate(figures.maps_figure(panels, look=look))
    assert [a["text"] for a in spec["layout"]["annotations"]] == ["1-NN", "regions"]
    assert spec["layout"]["xaxis"]["domain"][1] < spec["layout"]["xaxis2"]["domain"][0]
    assert {t.get("xaxis") for t in spec["data"]} == {"x", "x2"}
    names = [t["name"] for t in spec["data"] if t.get("showlegend")]
    assert len(names) == len(set(names))  # each legend entry once


def test_cell_edges_mark_where_the_cell_changes():
    ids = np.array([[0, 0, 1], [0, 0, 1], [2, 2, 2]])
    edges = figures.cell_edges(ids)
    assert edges[0, 1] and edges[1, 0] and not edges[0, 0]
