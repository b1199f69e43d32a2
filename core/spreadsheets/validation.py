"""Full model validation for thousands of rows without a query per row.

`Model.full_clean()` is right for one form and too slow for 100,000 rows: it checks each foreign key with a
query, each CheckConstraint with a query (`SELECT 1 WHERE ...`) and each unique constraint with a query. Here:
- `clean_row(instance, exclude_fks)` runs `full_clean()` with the field validators and the model's own `clean()`,
  skipping only the foreign keys the importer has just loaded from the database itself (their existence is
  known) and leaving constraints to the next two functions;
- `check_constraints(instance)` evaluates each CheckConstraint in Python, with SQL's rule that a comparison with
  NULL does not violate a CHECK; a condition it cannot evaluate falls back to Django's own (querying) check;
- `unique_clashes(model, instances)` checks every unique field and unconditional unique constraint for the whole
  batch: duplicates inside the file in memory, clashes with other rows of the database in one query per
  constraint per 500 rows. Conditional or expression-based unique constraints fall back to Django's check.

`clean_row` checks each field as `Model.clean_fields()` does, with the same errors and values, but a value that is
already of the field's own type and inside its limits (a string within its maximum length and choices, an integer
within its bounds, a date, a boolean) is passed without `Field.clean()`'s conversion and validator machinery
(`fields_clean`): 700,000 such calls were half of `clean_row`'s time for 50,000 members under cProfile. Any other
value, and any field with a validator or a type the check does not know, goes through `Field.clean()` as in Django.

One record (`record_save`, every form) gets `full_clean_known(instance)`: `full_clean()` with the same errors,
without the queries whose answer is already in memory (issue 19: a member added from a phone made three queries,
each in its own savepoint, to learn that her loaded chapter exists, that an empty card number clashes with
nobody and that an empty leaving date is not before her joining date).
"""

import operator
from collections import defaultdict
from collections.abc import Callable
from functools import cache

from django.core import validators
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import router
from django.db.models import CheckConstraint, F, ForeignKey, Q, UniqueConstraint
from django.db.models.expressions import DatabaseDefault

from core.bulk import AS_GIVEN, rows_matching


class _Unsupported(Exception):
    pass


_COMPARE = {"exact": operator.eq, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


def _compiled(model, node) -> Callable:
    """A function giving True, False or None (unknown, as SQL gives for NULL) for a Q tree over an instance's own
    fields: names, operations and constants are looked up once per model, not for each row. Raises _Unsupported
    for a tree it cannot evaluate (a lookup across a relation, an expression, an operation it does not know)."""
    if isinstance(node, Q):
        parts = tuple(_compiled(model, child) for child in node.children)
        conjunction, negated = node.connector == Q.AND, node.negated

        def combined(instance):
            results = [part(instance) for part in parts]
            if conjunction:
                result = False if False in results else (None if None in results else True)
            else:
                result = True if True in results else (None if None in results else False)
            return (not result) if negated and result is not None else result

        return combined
    if not isinstance(node, tuple):
        raise _Unsupported
    lookup, expected = node
    name, _, operation = lookup.partition("__")
    operation = operation or "exact"
    attname = model._meta.get_field(name).attname
    if isinstance(expected, F):
        if "__" in expected.name:
            raise _Unsupported
        other = model._meta.get_field(expected.name).attname
        wanted = operator.attrgetter(other)
    elif hasattr(expected, "resolve_expression"):
        raise _Unsupported
    else:
        wanted = lambda instance: expected  # noqa: E731 - a constant, as the F case's getter
    if operation == "isnull":
        return lambda instance: (getattr(instance, attname) is None) == bool(wanted(instance))
    if operation == "in":
        return lambda instance: (
            None if getattr(instance, attname) is None else getattr(instance, attname) in wanted(instance)
        )
    if operation not in _COMPARE:
        raise _Unsupported
    compare = _COMPARE[operation]

    def compared(instance):
        actual, other_value = getattr(instance, attname), wanted(instance)
        if actual is None or other_value is None:
            return None
        return compare(actual, other_value)

    return compared


def _unsupported(instance):
    raise _Unsupported


_CONDITIONS: dict[tuple, tuple] = {}


def _condition(model, constraint) -> Callable:
    """`_compiled` of a constraint's condition, kept per model and constraint (with the constraint itself, so
    that its id is not reused); a condition it cannot evaluate is kept as one that raises _Unsupported."""
    key = (model, id(constraint))
    kept = _CONDITIONS.get(key)
    if kept is None:
        try:
            function = _compiled(model, Q(constraint.condition))
        except _Unsupported:
            function = _unsupported
        kept = _CONDITIONS[key] = (constraint, function)
    return kept[1]


def check_constraints(instance) -> list[ValidationError]:
    """The CheckConstraints of `instance`, evaluated here where `_decided` can, by Django's (querying) check
    otherwise."""
    errors = []
    for constraint in instance._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        try:
            if not _decided(instance, constraint, set()):
                constraint.validate(type(instance), instance)
        except ValidationError as error:
            errors.append(error)
    return errors


def _passes(field) -> Callable[[object], bool] | None:
    """A test true only for values `field.clean()` returns unchanged and without an error, or None (every value
    goes through `field.clean()`). Only the limits Django itself puts on these fields are known here (maximum
    length, the integer range of the column, choices); a field with any other validator has no test."""
    kinds = AS_GIVEN.get(type(field))
    if kinds is None or field.generated:
        return None
    longest = lowest = highest = None
    for validator in field.validators:
        limit = getattr(validator, "limit_value", None)
        if type(limit) is not int:
            return None
        if type(validator) is validators.MaxLengthValidator:
            longest = limit if longest is None else min(longest, limit)
        elif type(validator) is validators.MinValueValidator:
            lowest = limit if lowest is None else max(lowest, limit)
        elif type(validator) is validators.MaxValueValidator:
            highest = limit if highest is None else min(highest, limit)
        else:
            return None
    choices = None
    if field.choices is not None:
        keys = [key for key, _label in field.flatchoices]
        if not all(type(key) in kinds for key in keys):
            return None
        choices = frozenset(keys)
    # An empty string reaches the test only when the field may not be blank (`fields_clean` skips it otherwise),
    # and then it is an error; a non-empty value of these types is never one of Django's empty values. A field
    # that is not editable skips the choices and the blank check in Django: the test is stricter, never laxer.
    return lambda value: (
        type(value) in kinds
        and value != ""
        and (choices is None or value in choices)
        and (longest is None or len(value) <= longest)
        and (lowest is None or value >= lowest)
        and (highest is None or value <= highest)
    )


@cache
def _field_checks(model) -> tuple:
    """(field, attname, test or None) for each field `Model.clean_fields()` checks, in its order."""
    return tuple((f, f.attname, _passes(f)) for f in model._meta.fields if not f.generated)


def fields_clean(instance, exclude: set[str] | frozenset = frozenset()) -> None:
    """`instance.clean_fields(exclude)`: the same errors in the same order and the same values, with a value
    `_passes` vouches for taken as it is."""
    errors = {}
    for field, attname, passes in _field_checks(type(instance)):
        if field.name in exclude:
            continue
        raw_value = getattr(instance, attname)
        if field.blank and raw_value in field.empty_values:
            continue
        if passes is not None and passes(raw_value):
            continue
        if isinstance(raw_value, DatabaseDefault):
            continue
        try:
            setattr(instance, attname, field.clean(raw_value, instance))
        except ValidationError as error:
            errors[field.name] = error.error_list
    if errors:
        raise ValidationError(errors)


def clean_row(instance, *, exclude: set[str] | None = None) -> dict[str, list[str]]:
    """Field validation and the model's clean() (`full_clean()` without its unique and constraint checks), then its
    check constraints. Returns {field or "": messages}.

    `exclude` names foreign keys whose object the importer loaded itself (their existence is known).
    """
    messages: dict[str, list[str]] = defaultdict(list)
    errors: dict = {}
    try:
        fields_clean(instance, exclude or frozenset())
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        for field, problems in ValidationError(errors).message_dict.items():
            target = "" if field == NON_FIELD_ERRORS else field
            messages[target].extend(problems)
    for error in check_constraints(instance):
        messages[""].extend(error.messages)
    return dict(messages)


def _referenced(node) -> set[str]:
    """The fields a Q tree of a constraint reads (raises _Unsupported for what `_compiled` cannot read either)."""
    if isinstance(node, Q):
        return {name for child in node.children for name in _referenced(child)}
    if not isinstance(node, tuple):
        raise _Unsupported
    lookup, value = node
    names = {lookup.partition("__")[0]}
    if isinstance(value, F):
        names.add(value.name)
    return names


def _decided(instance, constraint, exclude: set[str]) -> bool:
    """Whether `constraint` is settled for `instance` without a query: skipped as Django skips it (a field it reads
    failed or is excluded), a check evaluated here (raises its ValidationError when broken), or a conditional
    unique constraint whose condition does not hold. False: Django's own (querying) check must run."""
    try:
        if isinstance(constraint, CheckConstraint):
            if exclude and _referenced(Q(constraint.condition)) & exclude:
                return True  # Django's check cannot see the field either, and passes
            if _condition(type(instance), constraint)(instance) is False:
                raise ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)
            return True  # true, or unknown as SQL's NULL, which a CHECK lets through
        if isinstance(constraint, UniqueConstraint) and constraint.fields and constraint.condition is not None:
            if exclude and (set(constraint.fields) & exclude or _referenced(Q(constraint.condition)) & exclude):
                return True
            return _condition(type(instance), constraint)(instance) is False  # no row can clash under a false condition
    except (_Unsupported, TypeError):
        pass
    return False


def constraints_validate(instance, *, exclude: set[str]) -> None:
    """`instance.validate_constraints(exclude)`, asking the database only what `_decided` cannot settle."""
    errors: dict = {}
    using = router.db_for_write(type(instance), instance=instance)
    for model, constraints in instance.get_constraints():
        for constraint in constraints:
            try:
                if not _decided(instance, constraint, exclude):
                    constraint.validate(model, instance, exclude=exclude, using=using)
            except ValidationError as error:
                if getattr(error, "code", None) == "unique" and len(constraint.fields) == 1:
                    errors.setdefault(constraint.fields[0], []).append(error)
                else:
                    errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def full_clean_known(instance) -> None:
    """`instance.full_clean()`, step for step and with the same errors, except that a foreign key set from an
    object in memory is not looked up again (unless it limits its choices: the lookup checks them) and constraints
    go through `constraints_validate`."""
    meta = instance._meta
    known = {name for name in loaded_foreign_keys(instance) if not meta.get_field(name).remote_field.limit_choices_to}
    errors: dict = {}
    try:
        instance.clean_fields(exclude=known)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    failed = {name for name in errors if name != NON_FIELD_ERRORS}
    try:
        instance.validate_unique(exclude=failed)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        constraints_validate(instance, exclude=failed)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def loaded_foreign_keys(instance) -> set[str]:
    """Foreign keys of `instance` set from an object in memory (loaded from the database or built in the batch)."""
    names = set()
    for field in instance._meta.concrete_fields:
        if isinstance(field, ForeignKey) and field.is_cached(instance):
            related = field.get_cached_value(instance)
            if related is not None and related.pk is not None:
                names.add(field.name)
    return names


def _not_blank(condition) -> str | None:
    """The field of a condition "field is not ''" (a natural key that only binds when filled), else None."""
    if condition is None or not condition.negated or len(condition.children) != 1:
        return None
    child = condition.children[0]
    if isinstance(child, tuple) and len(child) == 2 and child[1] == "" and "__" not in child[0]:
        return child[0]
    return None


def _unique_sets(model) -> tuple[list[tuple[str, ...]], list[UniqueConstraint]]:
    """Unique field sets checked in bulk (unconditional ones, and ones that bind only when a field is filled:
    the field name is appended after a "?" marker), and the constraints checked row by row."""
    simple: list[tuple[str, ...]] = []
    fallback: list[UniqueConstraint] = []
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            simple.append((field.name,))
    for fields in model._meta.unique_together:
        simple.append(tuple(fields))
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint):
            filled = _not_blank(constraint.condition)
            if constraint.fields and constraint.condition is None and not constraint.expressions:
                simple.append(tuple(constraint.fields))
            elif constraint.fields and filled in constraint.fields and not constraint.expressions:
                simple.append((*constraint.fields, f"?{filled}"))
            else:
                fallback.append(constraint)
    return simple, fallback


def unique_clashes(model, instances: list, *, chunk: int = 2000) -> dict[int, list[tuple[str, str]]]:
    """{index in `instances`: [(field, message)]} for rows that would break a unique field or constraint."""
    problems: dict[int, list[tuple[str, str]]] = defaultdict(list)
    simple, fallback = _unique_sets(model)
    for fields in simple:
        filled = fields[-1][1:] if fields[-1].startswith("?") else None
        if filled:
            fields = fields[:-1]
        attnames = [model._meta.get_field(name).attname for name in fields]
        seen: dict[tuple, int] = {}
        keyed: dict[tuple, list[int]] = defaultdict(list)
        for index, instance in enumerate(instances):
            key = tuple(getattr(instance, attname) for attname in attnames)
            if any(value is None for value in key) or (filled and getattr(instance, filled) == ""):
                continue
            if key in seen:
                problems[index].append((fields[-1], f"Trùng với dòng khác trong tệp ({_labels(model, fields)})."))
                continue
            seen[key] = index
            keyed[key].append(index)
        for row in _stored_keys(model, fields, attnames, filled, list(keyed), chunk):
            for index in keyed[tuple(row[1:])]:
                if instances[index].pk != row[0]:
                    message = instances[index].unique_error_message(model, fields).messages[0]
                    problems[index].append((fields[-1], message))
    for constraint in fallback:
        for index, instance in enumerate(instances):
            try:
                constraint.validate(model, instance)
            except ValidationError as error:
                problems[index].append(("", "; ".join(error.messages)))
    return dict(problems)


def _stored_keys(model, fields, attnames, filled: str | None, keys: list[tuple], chunk: int):
    """(pk, *key) of the stored rows holding one of `keys`. Keys of a whole constraint are joined with the table
    (`core.bulk.rows_matching`); keys of a constraint that binds only when `filled` is filled are read as a
    superset under the partial index's own condition, and matched here."""
    if not filled:
        yield from rows_matching(model, fields, keys)
        return
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        # Each field with __any (one array, not 2,000 parameters each adapted on its own: core/lookups.py): a
        # superset of the keys, matched exactly here (an OR of thousands of conditions costs more to build and plan
        # than it saves). Written as the partial unique index's own condition, so that the index serves the lookup.
        filters = {f"{attname}__any": {key[i] for key in part} for i, attname in enumerate(attnames)}
        found = model._default_manager.filter(**filters).exclude(**{filled: ""}).order_by()
        wanted = set(part)
        # A plain query, not .iterator(): a server-side cursor is planned for its first rows, and on 3 million
        # members that plan walked the whole card index of the province (9.5 s for 2,000 rows).
        yield from (row for row in found.values_list("pk", *attnames) if tuple(row[1:]) in wanted)


def _labels(model, fields) -> str:
    return ", ".join(str(model._meta.get_field(name).verbose_name) for name in fields)
