from migrations.env_common import run
from services.assets.tables import target_metadata

run("assets", target_metadata)
