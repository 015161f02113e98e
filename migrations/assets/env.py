from migrations.env_common import run
from services.assets.models import target_metadata

run("assets", target_metadata)
