"""Every table of the assets service, for Alembic and the tests that compare migrations with models."""

from services.assets.disclosure import models as disclosure_models
from services.assets.fieldwork import models as fieldwork_models
from services.assets.ledgers import models as ledgers_models
from services.assets.models import Base
from services.assets.plan import models as plan_models
from services.common.kernel_tables import kernel_metadata

PARTS = (plan_models, fieldwork_models, ledgers_models, disclosure_models)  # imported so that Base knows them
# What Alembic compares against: this service's tables and the shared kernel tables.
target_metadata = [Base.metadata, kernel_metadata]
