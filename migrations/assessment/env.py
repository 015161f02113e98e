from migrations.env_common import run
from services.assessment.models import target_metadata

run("assessment", target_metadata)
