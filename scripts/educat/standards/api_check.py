"""`educat check-api`: a vendor's JSON payload against one operation of an interface standard."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from educat.core.loader import load_repo
from educat.core.model import Repo, Standard
from educat.standards.openapi import ApiFinding, check_payload, load_openapi, operations
from educat.core.yamlio import YamlError


class ApiCheckError(Exception):
    """The check cannot start: unknown standard, operation or status, or an unreadable payload."""


@dataclass
class ApiCheckResult:
    payload: Path
    standard: Standard
    operation: str
    direction: str
    status: str | None
    findings: list[ApiFinding] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict:
        return {
            "valid": self.valid,
            "file": str(self.payload),
            "standard": self.standard.ref,
            "operation": self.operation,
            "direction": self.direction,
            "status": self.status,
            "errors": len(self.findings),
            "findings": [{"pointer": f.pointer or "/", "keyword": f.keyword, "message": f.message, "value": f.value} for f in self.findings],
        }

    def render(self) -> str:
        what = "请求" if self.direction == "request" else f"响应{' ' + self.status if self.status else ''}"
        lines = [f"检查 {self.payload.name} 是否符合 {self.standard.title} {self.standard.version} 接口 {self.operation} 的{what}定义"]
        for f in self.findings:
            lines.append(f"{self.payload.name}#{f.pointer or '/'}: [{f.keyword}] {f.message}")
        lines.append("通过:没有发现问题。" if self.valid else f"不通过:共 {len(self.findings)} 个问题。")
        return "\n".join(lines)


def api_standard(repo: Repo, spec: str) -> Standard:
    slug, _, version = spec.partition("@")
    std = repo.standard(slug, version or None)
    if std is None:
        raise ApiCheckError(f"找不到标准 {spec};已有:{'、'.join(sorted(repo.standards))}")
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
        payload = json.loads(payload_path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ApiCheckError(f"{payload_path} 不是 UTF-8 编码的 JSON") from None
    except json.JSONDecodeError as exc:
        raise ApiCheckError(f"{payload_path}:{exc.lineno}:{exc.colno}: JSON 格式错误:{exc.msg}") from None

    def codes(ref: str) -> set[str]:
        try:
            return set(repo.resolve(ref, "codelist", std)[1].codes)
        except LookupError:
            return None

    try:
        findings = check_payload(doc, operation, payload, direction=direction, status=status, codelists=codes)
    except (KeyError, ValueError) as exc:
        raise ApiCheckError(str(exc.args[0]) if exc.args else str(exc)) from None
    return ApiCheckResult(payload_path, std, operation, direction, status, findings)
