from migrations.env_common import run
from gateway.models import target_metadata

run("gateway", target_metadata)
