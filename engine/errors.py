"""Errors the engine raises for callers to show: a code, a Chinese message, an HTTP status, field errors."""


class EngineError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message, fields=None, code=None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code

    def as_dict(self):
        return {"error": self.code, "message": self.message, "fields": self.fields}


class NotFound(EngineError):
    status = 404
    code = "not_found"


class Forbidden(EngineError):
    status = 403
    code = "forbidden"


class Conflict(EngineError):
    status = 409
    code = "conflict"


class Invalid(EngineError):
    status = 422
    code = "invalid"


class ModelInvalid(Invalid):
    """A model that failed validation; `problems` lists {file, element_id, line, message}."""

    code = "model_invalid"

    def __init__(self, problems):
        first = problems[0]
        super().__init__(f"模型校验未通过，共 {len(problems)} 处错误。首个：{describe(first)}")
        self.problems = problems

    def as_dict(self):
        return {**super().as_dict(), "problems": self.problems}


def describe(problem):
    where = problem.get("file") or ""
    if problem.get("line"):
        where += f" 第 {problem['line']} 行"
    if problem.get("element_id"):
        where += f" 元素 {problem['element_id']}"
    return f"{where}：{problem['message']}"
