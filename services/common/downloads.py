"""Responses that are files, so that a route declaring one (`response_class=`) documents its media type."""

from starlette.responses import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


class XlsxResponse(Response):
    media_type = XLSX


class PdfResponse(Response):
    media_type = PDF
