# One image for the gateway, the three services and the `zhenxing` admin command;
# compose.yaml chooses the command per service. The default runs the gateway.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# WeasyPrint draws the engagement reports with Pango and HarfBuzz; WenQuanYi Micro Hei is the
# TrueType CJK font the reports embed (the OpenType Noto CJK fonts are far slower to subset).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fontconfig fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*

# The key directories exist in the image so that a new named volume mounted on them
# starts owned by the unprivileged user (Docker copies ownership and mode on first use).
RUN groupadd --system --gid 10001 zhenxing \
 && useradd --system --uid 10001 --gid zhenxing --no-create-home \
        --home-dir /var/lib/zhenxing --shell /usr/sbin/nologin zhenxing \
 && install -d -o zhenxing -g zhenxing -m 0755 /var/lib/zhenxing /var/lib/zhenxing/public-keys \
 && install -d -o zhenxing -g zhenxing -m 0700 /var/lib/zhenxing/keys

# Installed, not run from the source tree: the processes import what the wheel holds.
WORKDIR /tmp/zhenxing
COPY . .
RUN pip install . && rm -rf /tmp/zhenxing

USER 10001:10001
WORKDIR /var/lib/zhenxing
EXPOSE 8000 8001 8002 8003
CMD ["uvicorn", "gateway.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-access-log",
     "--http", "services.common.serving:HttpProtocol"]
