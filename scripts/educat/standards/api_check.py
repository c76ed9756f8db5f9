"""`educat check-api`: a vendor's JSON payload against one operation of an interface standard."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from educat.core import jsonio
from educat.core.findings import Result
from educat.core.loader import load_repo
from educat.core.model import Repo, Standard
from educat.core.yamlio import YamlError
from educat.standards.openapi.document import load_openapi
from educat.standards.openapi.operations import operations
from educat.standards.openapi.payload import check_payload
from educat.tables.readers import load_json


class ApiCheckError(Exception):
    """The check cannot start: unknown standard, operation or status, or an unreadable payload."""


@dataclass
class ApiCheckResult(Result):
    """What ``educat check-api`` found in one payload."""

    payload: Path | None = None
    standard: Standard | None = None
    operation: str = ""
    direction: str = "response"
    status: str | None = None

    command: ClassVar[str] = "check-api"

    def listed(self) -> list:
        return [f if f.path else replace(f, path=self.payload.name) for f in self.findings]

    def context(self) -> dict:
        return {
            "file": str(self.payload),
            "standard": self.standard.ref,
            "operation": self.operation,
            "direction": self.direction,
            "status": self.status,
        }

    def headline(self) -> list[str]:
        what = "请求" if self.direction == "request" else f"响应{' ' + self.status if self.status else ''}"
        return [f"检查 {self.payload.name} 是否符合 {self.standard.title} {self.standard.version} 接口 {self.operation} 的{what}定义"]

    def summary(self) -> list[str]:
        return ["通过:没有发现问题。" if self.valid else f"不通过:共 {self.error_count} 个问题。"]


def api_standard(repo: Repo, spec: str) -> Standard:
    try:
        std = repo.find_standard(spec)
    except LookupError as exc:
        raise ApiCheckError(str(exc)) from None
    if std.openapi is None:
        with_api = [s.ref for s in repo.all_standards() if s.openapi]
        raise ApiCheckError(f"标准 {std.ref} 没有接口文档(openapi.yaml);有接口文档的标准:{'、'.join(with_api) or '无'}")
    return std


def check_api_file(root: Path, payload_path: Path, standard: str, operation: str, direction: str, status: str | None) -> ApiCheckResult:
    repo, _ = load_repo(root)
    std = api_standard(repo, standard)
    try:
        doc = load_openapi(std.openapi)
    except YamlError as exc:
        raise ApiCheckError(f"{std.openapi}:{exc.line}: {exc.message}") from None
    known = [op.operation_id for op in operations(doc)]
    if operation not in known:
        raise ApiCheckError(f"接口文档中没有 operationId “{operation}”;可用:{'、'.join(known)}")
    try:
        payload = load_json(payload_path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ApiCheckError(f"{payload_path} 不是 UTF-8 编码的 JSON") from None
    except json.JSONDecodeError as exc:
        raise ApiCheckError(jsonio.error_message(exc, payload_path)) from None
    except ValueError as exc:
        raise ApiCheckError(f"{payload_path}:1: {exc}") from None

    def codes(ref: str):
        try:
            return repo.resolve(ref, "codelist", std)[1]
        except LookupError:
            return None

    try:
        findings = check_payload(doc, operation, payload, direction=direction, status=status, codelists=codes)
    except (KeyError, ValueError) as exc:
        raise ApiCheckError(str(exc.args[0]) if exc.args else str(exc)) from None
    return ApiCheckResult(
        findings=findings,
        payload=payload_path, standard=std, operation=operation, direction=direction, status=status,
    )
