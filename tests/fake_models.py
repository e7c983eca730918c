"""Stand-ins for the line model, for tests that need its verdict fixed."""


class FixedModel:
    """Gives every block no rule decided the same probability `p` (rule hits get 0)."""

    threshold = 0.5

    def __init__(self, p: float):
        self.p = p

    def predict(self, rows, certain=None):
        return [0.0 if c else self.p for c in (certain or [False] * len(rows))]
