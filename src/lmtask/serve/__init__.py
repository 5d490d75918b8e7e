"""``lmtask serve``: any classifier behind an HTTP API and a web page (FastAPI)."""
