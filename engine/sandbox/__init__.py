"""Scripts and expressions of uploaded models run here: checked (check.py, bombs.py), then run in a
worker process under CPU, memory and wall-clock limits (pool.py, worker.py, limits.py)."""
