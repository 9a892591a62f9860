"""Model validation with the simple check constraints evaluated in Python.

Django checks each CheckConstraint of a model by a query (`Q.check`), inside a savepoint when
a transaction is open: three round trips per constraint, per row. The session services check
a session and each of its days at every save, and the spreadsheet upload checks hundreds of
sessions at once. A condition made only of comparisons between a row's own fields and
constants (exact, lt, lte, gt, gte, in, isnull; AND, OR, NOT) is evaluated here in Python,
with SQL's rules for NULL (a comparison with NULL is unknown; the constraint fails only when
its condition is false, as `Coalesce(condition, True)`); any other condition, and every
unique constraint, is checked by Django as usual. So is a comparison whose answer Python might
not give as the database does: on `pk` (not among the row's field values), or ordering a text
(lt, lte, gt, gte follow the database's collation, not Python's code points). A literal None
is Django's IS NULL (`a=None`; dropped from an `in` list), but an F() operand that is None is
a NULL column: `a = b` is then unknown, as in SQL. The conditions stay in the models'
`Meta.constraints`: nothing here restates them.
"""

import operator
from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.db.models import F, Q

_COMPARISONS = {
    "exact": operator.eq,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


class _Unsupported(Exception):
    """A condition this module does not evaluate: Django's query checks it."""


class _Skipped(Exception):
    """The condition names an excluded field: Django skips such a constraint too."""


def full_clean(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """`instance.full_clean(exclude=exclude)`, with the same errors, its simple check
    constraints evaluated in Python."""
    exclude = set(exclude)
    errors: dict = {}
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    # As Django does: a field already in error is not checked again by the constraints.
    exclude |= {name for name in errors if name != NON_FIELD_ERRORS}
    try:
        validate_constraints(instance, exclude=exclude)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def validate_constraints(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """`instance.validate_constraints(exclude=exclude)`, the simple check constraints
    evaluated in Python."""
    exclude = set(exclude)
    using = router.db_for_write(type(instance), instance=instance)
    errors: dict = {}
    for model, constraints in instance.get_constraints():
        values = _field_values(instance, model, exclude)
        for constraint in constraints:
            try:
                if isinstance(constraint, models.CheckConstraint):
                    try:
                        verdict = _evaluate(Q(constraint.condition), values)
                    except _Skipped:
                        continue
                    except (_Unsupported, TypeError):
                        constraint.validate(model, instance, exclude=exclude, using=using)
                        continue
                    if verdict is False:
                        raise ValidationError(
                            constraint.get_violation_error_message(),
                            code=constraint.violation_error_code,
                        )
                else:
                    constraint.validate(model, instance, exclude=exclude, using=using)
            except ValidationError as error:
                # Model.validate_constraints' grouping of the errors.
                fields = getattr(constraint, "fields", ())
                if getattr(error, "code", None) == "unique" and len(fields) == 1:
                    errors.setdefault(fields[0], []).append(error)
                else:
                    errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _field_values(instance, model, exclude) -> dict:
    values = {}
    for field in model._meta.local_concrete_fields:
        if field.name in exclude:
            continue
        value = getattr(instance, field.attname)
        values[field.name] = values[field.attname] = value
    return values


def _operand(value, values):
    if isinstance(value, F):
        if value.name == "pk":
            raise _Unsupported
        if value.name not in values:
            raise _Skipped
        return values[value.name]
    if hasattr(value, "resolve_expression"):
        raise _Unsupported
    return value


def _evaluate(node, values) -> bool | None:
    """True, False, or None for SQL's unknown."""
    if isinstance(node, Q):
        results = [_evaluate(child, values) for child in node.children]
        if node.connector == Q.AND:
            result = False if False in results else (None if None in results else True)
        elif node.connector == Q.OR:
            result = True if True in results else (None if None in results else False)
        else:
            raise _Unsupported
        if node.negated and result is not None:
            result = not result
        return result
    if not isinstance(node, tuple):
        raise _Unsupported
    lookup, rhs = node
    name, _, kind = lookup.partition("__")
    kind = kind or "exact"
    if name == "pk":
        raise _Unsupported
    if name not in values:
        raise _Skipped
    lhs = values[name]
    if kind == "isnull":
        if not isinstance(rhs, bool):
            raise _Unsupported
        return (lhs is None) == rhs
    if kind == "in":
        # Django drops a literal None from the list; a NULL column in it makes a miss unknown.
        items = [_operand(item, values) for item in rhs if item is not None]
        if lhs is None:
            return None
        if lhs in [item for item in items if item is not None]:
            return True
        return None if None in items else False
    if kind not in _COMPARISONS:
        raise _Unsupported
    if kind == "exact" and rhs is None:
        return lhs is None  # Django reads "= None" as IS NULL
    rhs = _operand(rhs, values)
    if lhs is None or rhs is None:
        return None  # against a NULL column (an F() that is None): unknown
    if kind != "exact" and (isinstance(lhs, str) or isinstance(rhs, str)):
        raise _Unsupported  # the database's collation orders texts
    return _COMPARISONS[kind](lhs, rhs)
