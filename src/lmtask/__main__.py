from lmtask.cli import app

app(prog_name="lmtask")
