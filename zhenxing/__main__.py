from zhenxing.cli import app

app()
