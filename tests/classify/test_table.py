"""The §5 table: rows whose chosen C sits at the edge of the grid are flagged."""

from dcgan.evaluation.classify.table import Row, grid_edge_choices, markdown

GRID = (1e-6, 1e-5, 1e-4, 1e-3)


def _meta(grid=GRID):
    return {"labels_per_class": 400, "draws": 2, "settings": {"c_grid": list(grid)}}


def test_interior_choices_are_not_flagged():
    rows = [Row("dcgan", "D", accuracy=0.7, C=1e-5, few_label=[0.5, 0.6], few_label_C=[1e-4, 1e-5])]
    assert grid_edge_choices(rows, GRID) == []
    assert "edge" not in markdown(rows, _meta())


def test_edge_choice_in_full_or_few_label_column_is_flagged():
    rows = [
        Row("dcgan", "D", accuracy=0.7, C=1e-6),  # smallest C tried
        Row("pixels", "P", accuracy=0.4, C=1e-5, few_label=[0.3], few_label_C=[1e-3]),  # largest, in a draw
        Row("random", "R", accuracy=0.6, C=1e-4, few_label=[0.5], few_label_C=[1e-5]),
        Row("cnn", "CNN", accuracy=0.5),  # no C at all
    ]
    assert grid_edge_choices(rows, GRID) == ["dcgan", "pixels"]
    text = markdown(rows, _meta())
    assert "chosen at its edge for: dcgan, pixels" in text
