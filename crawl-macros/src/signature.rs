//! The receiver, arguments and return shape of an async fn, shared by every macro.

use syn::{FnArg, GenericArgument, PathArguments, ReturnType, Signature, Type, TypeParamBound};

/// How a callback's return value turns into outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `()` or no return type: nothing.
    Unit,
    /// `Result<T, E>`: `Ok` converts by `T`'s shape, `Err` becomes a spider error.
    Result(Box<Shape>),
    /// `Option<T>`: `Some` converts by `T`'s shape.
    Option(Box<Shape>),
    /// `Vec<T>`: each element converts by `T`'s shape.
    Vec(Box<Shape>),
    /// `impl Stream<Item = T>`: each element converts by `T`'s shape.
    Stream(Box<Shape>),
    /// One value: an item, a request or an output.
    Single,
}

/// The shape of a declared return type.
pub(crate) fn return_shape(output: &ReturnType) -> Shape {
    match output {
        ReturnType::Default => Shape::Unit,
        ReturnType::Type(_, ty) => shape_of(ty),
    }
}

fn shape_of(ty: &Type) -> Shape {
    match ty {
        Type::Tuple(tuple) if tuple.elems.is_empty() => Shape::Unit,
        Type::Paren(inner) => shape_of(&inner.elem),
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return Shape::Single;
            };
            let first_arg = first_type_arg(&last.arguments);
            match (last.ident.to_string().as_str(), first_arg) {
                ("Result", Some(inner)) => Shape::Result(Box::new(shape_of(inner))),
                ("Option", Some(inner)) => Shape::Option(Box::new(shape_of(inner))),
                ("Vec", Some(inner)) => Shape::Vec(Box::new(shape_of(inner))),
                ("BoxStream", Some(inner)) => Shape::Stream(Box::new(shape_of(inner))),
                _ => Shape::Single,
            }
        }
        Type::ImplTrait(bounds) => bounds
            .bounds
            .iter()
            .find_map(|bound| match bound {
                TypeParamBound::Trait(tr) => {
                    let last = tr.path.segments.last()?;
                    (last.ident == "Stream")
                        .then(|| Shape::Stream(Box::new(stream_item_shape(&last.arguments))))
                }
                _ => None,
            })
            .unwrap_or(Shape::Single),
        _ => Shape::Single,
    }
}

fn stream_item_shape(arguments: &PathArguments) -> Shape {
    if let PathArguments::AngleBracketed(args) = arguments {
        for arg in &args.args {
            if let GenericArgument::AssocType(assoc) = arg {
                if assoc.ident == "Item" {
                    return shape_of(&assoc.ty);
                }
            }
        }
    }
    Shape::Single
}

fn first_type_arg(arguments: &PathArguments) -> Option<&Type> {
    match arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    }
}

/// Whether `ty` is the bare type named `name` (any path ending in it, no generics).
pub(crate) fn is_named(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == name && last.arguments.is_empty()),
        Type::Paren(inner) => is_named(&inner.elem, name),
        _ => false,
    }
}

/// Whether `ty` is `&Name` (a shared reference to the type named `name`).
pub(crate) fn is_ref_to(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Reference(r) if r.mutability.is_none() && is_named(&r.elem, name))
}

/// Whether the signature's receiver is `&self`.
pub(crate) fn has_ref_self(sig: &Signature) -> bool {
    matches!(sig.inputs.first(), Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none() && r.colon_token.is_none())
}

/// The typed (non-receiver) arguments.
pub(crate) fn typed_args(sig: &Signature) -> Vec<&syn::PatType> {
    sig.inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(typed) => Some(typed),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn shapes_nest() {
        let shape = return_shape(&parse_quote!(-> Result<Vec<Quote>>));
        assert_eq!(
            shape,
            Shape::Result(Box::new(Shape::Vec(Box::new(Shape::Single))))
        );
        assert_eq!(return_shape(&parse_quote!(-> ())), Shape::Unit);
        assert_eq!(
            return_shape(&parse_quote!(-> Option<Request>)),
            Shape::Option(Box::new(Shape::Single))
        );
        let stream = return_shape(&parse_quote!(-> impl Stream<Item = Quote> + Send));
        assert_eq!(stream, Shape::Stream(Box::new(Shape::Single)));
    }

    #[test]
    fn receivers_and_types() {
        let sig: Signature =
            parse_quote!(async fn parse(&self, response: Response, crawler: &Crawler));
        assert!(has_ref_self(&sig));
        let args = typed_args(&sig);
        assert!(is_named(&args[0].ty, "Response"));
        assert!(is_ref_to(&args[1].ty, "Crawler"));
        let sig: Signature = parse_quote!(async fn parse(self, response: &Response));
        assert!(!has_ref_self(&sig));
        assert!(is_ref_to(&typed_args(&sig)[0].ty, "Response"));
    }
}
