//! The rules of a signal handler's signature: async, `&self` first for a method, then the
//! signal's payload fields in order (each optional from the end), then `crawler: &Crawler`.

use syn::{Signature, Type};

use super::{HandlerDef, SignalSpec};
use crate::errors::{list, Errors};
use crate::signature;

fn matches(ty: &Type, expected: &str) -> bool {
    match expected {
        "&str" => {
            matches!(ty, Type::Reference(r) if r.mutability.is_none() && matches!(&*r.elem, Type::Path(p) if p.path.is_ident("str")))
        }
        "Option<&BoxedItem>" => {
            matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
        }
        other => signature::is_ref_to(ty, other.trim_start_matches('&')),
    }
}

/// Checks a handler's signature (`method`: `&self` first) against its signal.
pub(crate) fn check(
    signal: &'static SignalSpec,
    sig: &Signature,
    method: bool,
    errors: &mut Errors,
) -> Option<HandlerDef> {
    let fields: Vec<(&str, String)> = signal.payload().collect();
    let payload: Vec<String> = fields
        .iter()
        .map(|(field, ty)| format!("{field}: {ty}"))
        .collect();
    let mut expected_args = payload.clone();
    expected_args.push("crawler: &Crawler".to_owned());
    let receiver = if method { "&self, " } else { "" };
    let takes = if payload.is_empty() {
        "`crawler: &Crawler` or nothing".to_owned()
    } else {
        format!(
            "{} in this order, each optional from the end",
            list(expected_args.iter().map(String::as_str))
        )
    };
    let form = format!(
        "expected `async fn {}({receiver}{})`: `{}` handlers take {takes}",
        sig.ident,
        expected_args.join(", "),
        signal.name,
    );
    let before = errors.len();
    if sig.asyncness.is_none() {
        errors.push(
            sig.fn_token,
            format!(
                "signal handler `{}` must be an `async fn`; {form}",
                sig.ident
            ),
        );
    }
    if method && !signature::has_ref_self(sig) {
        errors.push(
            &sig.ident,
            format!("signal handler `{}` takes `&self` first; {form}", sig.ident),
        );
    }
    let args = signature::typed_args(sig);
    let mut taken = 0;
    let mut takes_crawler = false;
    let mut typed_item = None;
    for arg in &args {
        if takes_crawler {
            errors.push(
                &arg.ty,
                format!("nothing may follow `crawler: &Crawler`; {form}"),
            );
        } else if signature::is_ref_to(&arg.ty, "Crawler") {
            takes_crawler = true;
        } else if let Some((field, ty)) = fields.get(taken) {
            if matches(&arg.ty, ty) {
                taken += 1;
            } else if *field == "item" && signal.name == "item_scraped" {
                match &*arg.ty {
                    Type::Reference(reference) if reference.mutability.is_none() => {
                        typed_item = Some((*reference.elem).clone());
                        taken += 1;
                    }
                    other => errors.push(
                        other,
                        format!("expected `item: &BoxedItem` or a typed `item: &T`; {form}"),
                    ),
                }
            } else {
                errors.push(&arg.ty, format!("expected `{field}: {ty}` here; {form}"));
            }
        } else {
            errors.push(&arg.ty, format!("unexpected argument; {form}"));
        }
    }
    (errors.len() == before).then_some(HandlerDef {
        signal,
        taken,
        takes_crawler,
        typed_item,
    })
}

#[cfg(test)]
mod tests {
    use syn::{parse_quote, ItemFn};

    use super::*;
    use crate::on::SIGNALS;

    fn signal(name: &str) -> &'static SignalSpec {
        SIGNALS.iter().find(|s| s.name == name).unwrap()
    }

    fn checked(name: &str, function: ItemFn) -> (Option<HandlerDef>, Vec<String>) {
        let mut errors = Errors::default();
        let def = check(signal(name), &function.sig, false, &mut errors);
        (def, errors.messages())
    }

    #[test]
    fn payload_fields_are_taken_in_order_then_the_crawler() {
        let (def, errors) = checked(
            "item_dropped",
            parse_quote!(
                async fn dropped(item: Option<&BoxedItem>, reason: &str, crawler: &Crawler) {}
            ),
        );
        let def = def.unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!((def.taken, def.takes_crawler), (2, true));
    }

    #[test]
    fn a_typed_item_filters_item_scraped() {
        let (def, _) = checked(
            "item_scraped",
            parse_quote!(
                async fn on_quote(item: &Quote) {}
            ),
        );
        assert!(def.unwrap().typed_item.is_some());
    }

    #[test]
    fn a_sync_handler_or_a_wrong_field_is_an_error() {
        let (def, errors) = checked(
            "spider_closed",
            parse_quote!(
                fn closed(reason: String) {}
            ),
        );
        assert!(def.is_none());
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("signal handler `closed` must be an `async fn`; expected `async fn closed(reason: &str, crawler: &Crawler)`"), "{errors:?}");
        assert!(
            errors[1].starts_with("expected `reason: &str` here;"),
            "{errors:?}"
        );
    }

    #[test]
    fn nothing_follows_the_crawler() {
        let (_, errors) = checked(
            "spider_closed",
            parse_quote!(
                async fn closed(crawler: &Crawler, reason: &str) {}
            ),
        );
        assert!(
            errors[0].starts_with("nothing may follow `crawler: &Crawler`"),
            "{errors:?}"
        );
    }
}
