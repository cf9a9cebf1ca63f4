//! The OCSF API Activity event of one entry, as the types that serialize it
//! (straight into the output, no intermediate values) and that `schema
//! --format ocsf` describes. The doc comments are the schema's descriptions.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{ser::SerializeMap, Serialize, Serializer};
use serde_json::value::RawValue;

/// An OCSF API Activity event (class 6003, category 6: Application
/// Activity) made from one Arize AX audit-log entry; the entry itself, as
/// sent, is in `raw_data`.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "OCSF API Activity event of an Arize AX audit-log entry")]
#[schemars(deny_unknown_fields)]
pub struct ApiActivity<'a> {
    /// 6: Application Activity.
    #[schemars(extend("const" = 6))]
    pub category_uid: u32,
    /// "Application Activity".
    #[schemars(extend("const" = "Application Activity"))]
    pub category_name: &'static str,
    /// 6003: API Activity.
    #[schemars(extend("const" = 6003))]
    pub class_uid: u32,
    /// "API Activity".
    #[schemars(extend("const" = "API Activity"))]
    pub class_name: &'static str,
    /// 1 Create, 2 Read, 3 Update, 4 Delete, 99 Other, from `operation_type`
    /// and `operation_name` (see the rule in docs/operating.md).
    #[schemars(extend("enum" = [1, 2, 3, 4, 99]))]
    pub activity_id: u8,
    /// The activity's caption; for Other, the entry's `operation_type`.
    pub activity_name: JsonStr<'a>,
    /// `class_uid * 100 + activity_id`.
    #[schemars(extend("enum" = [600301, 600302, 600303, 600304, 600399]))]
    pub type_uid: u32,
    /// "API Activity: " and the activity's caption.
    pub type_name: &'static str,
    /// `created_at`, in milliseconds since the Unix epoch (a finer fraction
    /// is cut off; `metadata.original_time` keeps it).
    pub time: i64,
    /// 1: Informational (the entry records an action; it rates nothing).
    #[schemars(extend("const" = 1))]
    pub severity_id: u8,
    /// "Informational".
    #[schemars(extend("const" = "Informational"))]
    pub severity: &'static str,
    /// 0: Unknown (the entry does not say whether the operation succeeded).
    #[schemars(extend("const" = 0))]
    pub status_id: u8,
    /// "Unknown".
    #[schemars(extend("const" = "Unknown"))]
    pub status: &'static str,
    pub metadata: Metadata<'a>,
    pub actor: Actor<'a>,
    pub src_endpoint: Endpoint<'a>,
    pub api: Api<'a>,
    /// The entry's members that the API's document does not list, each
    /// value exactly as sent; absent when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unmapped: Option<Unmapped<'a>>,
    /// The entry exactly as the server sent it: the line a JSON Lines export
    /// writes for it.
    // Written last by `write_event`, which escapes the line faster than
    // serde's byte-at-a-time loop; here for the schema.
    #[serde(skip_serializing)]
    pub raw_data: &'a str,
}

/// The event's metadata.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Metadata<'a> {
    /// The OCSF version the event follows.
    pub version: &'static str,
    /// The entry's `id` (each entry makes exactly one event).
    pub uid: &'a str,
    pub product: Product,
    /// When Arize AX logged the entry: `created_at`, in milliseconds since
    /// the Unix epoch.
    pub logged_time: i64,
    /// `created_at` exactly as the server sent it.
    pub original_time: &'a str,
}

/// The product that reported the event.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Product {
    /// "Arize AX".
    #[schemars(extend("const" = "Arize AX"))]
    pub name: &'static str,
    /// "Arize AI".
    #[schemars(extend("const" = "Arize AI"))]
    pub vendor_name: &'static str,
}

/// Who acted.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Actor<'a> {
    pub user: User<'a>,
}

/// The user who acted.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct User<'a> {
    /// The entry's `user_id` (base64-encoded global user id).
    pub uid: JsonStr<'a>,
}

/// Where the request came from: the entry's `ip` in `ip` when it is an IPv4
/// or IPv6 address, else (as sent) in `name`, so the event stays valid.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, extend("minProperties" = 1))]
pub struct Endpoint<'a> {
    /// The entry's `ip`, an IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<JsonStr<'a>>,
    /// The entry's `ip` when it is not an IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<JsonStr<'a>>,
}

/// The API call.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Api<'a> {
    /// `operation_name` when the entry has one, else `operation_type`.
    pub operation: JsonStr<'a>,
    pub request: Request<'a>,
}

/// The request the entry records.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Request<'a> {
    /// The entry's `id`: the entry records this one request.
    pub uid: &'a str,
    pub data: RequestData<'a>,
}

/// The operation as the entry describes it; a member that is `null` or
/// absent in the entry is left out.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RequestData<'a> {
    /// The entry's `operation_type`, as sent (QUERY, MUTATION, SUBSCRIPTION,
    /// or a value the document does not list).
    pub operation_type: JsonStr<'a>,
    /// The entry's `operation_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<JsonStr<'a>>,
    /// The entry's `operation_text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_text: Option<JsonStr<'a>>,
    /// The entry's `variables`: JSON text, the string exactly as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<JsonStr<'a>>,
}

/// A string: the JSON text the entry sent it as, written back verbatim
/// (its escapes as sent: no decoding, no re-encoding), or one of ours.
#[derive(Clone, Copy)]
pub enum JsonStr<'a> {
    /// A JSON string's text, quotes included, exactly as sent.
    Sent(&'a str),
    /// A string of the mapping's own.
    Ours(&'static str),
}

impl Serialize for JsonStr<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Sent(text) => Json(text).serialize(serializer),
            Self::Ours(text) => serializer.serialize_str(text),
        }
    }
}

impl JsonSchema for JsonStr<'_> {
    fn schema_name() -> Cow<'static, str> {
        "string".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({ "type": "string" })
    }
}

/// Members as sent, serialized as one object in their order.
pub struct Unmapped<'a>(pub Vec<(Cow<'a, str>, &'a str)>);

impl Serialize for Unmapped<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, &Json(value))?;
        }
        map.end()
    }
}

/// JSON text, serialized as it is. (The output is written by
/// [`ApiActivity::write_json`]; serde serializes these types to check it.)
struct Json<'a>(&'a str);

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawValue::from_string(self.0.to_owned())
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

impl JsonSchema for Unmapped<'_> {
    fn schema_name() -> Cow<'static, str> {
        "Unmapped".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "type": "object",
            "additionalProperties": true
        })
    }
}
