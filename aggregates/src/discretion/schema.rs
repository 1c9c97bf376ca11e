//! Hand-written OpenAPI schemas for the amounts, which the derive cannot state exactly: a
//! [`Multiple`] is a decimal string or a whole number, and an [`AmountSpec`] is an object with
//! exactly one of `fen` and `times_base`. A schema that admits what the deserializer refuses
//! would promise clients a 2xx where they get a 400 (the API fuzzing in `scripts/schemathesis`
//! checks this).
use std::borrow::Cow;

use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::{AmountSpec, Multiple};

/// What [`Multiple::parse`] reads: digits and at most three decimals. At most 16 significant
/// digits before the point, so the thousandths always fit (`u64::MAX / 1000` has 17).
const MULTIPLE_PATTERN: &str = r"^0*[0-9]{1,16}(\.[0-9]{1,3})?$";

impl PartialSchema for Multiple {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(MULTIPLE_PATTERN))
                    .examples(["10", "1.5"]),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(0))
                    .maximum(Some(u64::MAX / Multiple::SCALE)),
            )
            .description(Some(
                "A multiple of a base amount (e.g. 10 times the goods value): a decimal string \
                 with at most three decimals (`\"10\"`, `\"1.5\"`) or a whole number; floats are \
                 refused so no amount ever depends on rounding a binary fraction.",
            ))
            .into()
    }
}

impl ToSchema for Multiple {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Multiple")
    }
}

fn one_key(key: &str, value: RefOr<Schema>, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(key, value)
        .required(key)
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
        .description(Some(description))
}

impl PartialSchema for AmountSpec {
    fn schema() -> RefOr<Schema> {
        let fen = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(0));
        OneOfBuilder::new()
            .item(one_key(
                "fen",
                fen.into(),
                "A fixed amount in fen (分), e.g. `{fen: 5000000}` for 50,000 yuan.",
            ))
            .item(one_key(
                "times_base",
                Ref::from_schema_name(Multiple::name()).into(),
                "A multiple of the regime's base, e.g. `{times_base: \"10\"}` for 10 times the \
                 goods value.",
            ))
            .description(Some(
                "One end of a range: a fixed amount in fen, or a multiple of the regime's base. \
                 Written as a one-key map, `{fen: 5000000}` or `{times_base: \"10\"}`.",
            ))
            .into()
    }
}

impl ToSchema for AmountSpec {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("AmountSpec")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Multiple::name().into(), Multiple::schema()));
    }
}
