"""``lmtask serve``: any classifier behind an HTTP API and a web page (FastAPI).

>>> from lmtask.serve import ServeConfig, create_app               # doctest: +SKIP
>>> from lmtask.ladder import ClassifierSpec                       # doctest: +SKIP
>>> app = create_app([ClassifierSpec(task="sentiment")], ServeConfig(port=8080))  # doctest: +SKIP
>>> import uvicorn; uvicorn.run(app, host="127.0.0.1", port=8080)  # doctest: +SKIP
"""

from lmtask.serve.app import create_app, wait_until_loaded
from lmtask.serve.settings import ServeConfig
from lmtask.serve.state import ServedModel

__all__ = ["ServeConfig", "ServedModel", "create_app", "wait_until_loaded"]
