"""Tables of the assets service."""

from services.common.database import model_base
from services.common.kernel import kernel_metadata

Base = model_base()

# What Alembic compares against: this service's tables and the shared kernel tables.
target_metadata = [Base.metadata, kernel_metadata]
