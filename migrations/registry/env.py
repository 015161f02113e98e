from migrations.env_common import run
from services.registry.models import target_metadata

run("registry", target_metadata)
