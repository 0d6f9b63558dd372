"""The backends by name: where each one's module lives (imported only when used)."""

BACKENDS = {"sim": "sim.driver:simulate", "real": "runtime.driver:run_fleet"}
