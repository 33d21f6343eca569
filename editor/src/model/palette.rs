//! The module palette: every kind a user may add, grouped by category in a fixed order,
//! each with its one-line description. Built from the engine's module library, so a new
//! kind appears here without editor changes. Control side (GUI thread).

use chronus_engine::module::{Category, KindSpec};
use chronus_engine::modules;

/// The categories shown, in palette order (test-only kinds are never offered).
pub const CATEGORIES: [Category; 5] = [
    Category::Source,
    Category::Shaper,
    Category::Filter,
    Category::Time,
    Category::Io,
];

/// One palette group.
#[derive(Debug, Clone)]
pub struct PaletteGroup {
    /// The category.
    pub category: Category,
    /// Its kinds, in library order.
    pub kinds: Vec<&'static KindSpec>,
}

/// The palette: one group per category that has kinds, in [`CATEGORIES`] order.
pub fn palette() -> Vec<PaletteGroup> {
    CATEGORIES
        .iter()
        .map(|&category| PaletteGroup {
            category,
            kinds: modules::all().filter(|k| k.category == category).collect(),
        })
        .filter(|g| !g.kinds.is_empty())
        .collect()
}

/// A category's title as shown to a person.
pub fn category_title(category: Category) -> &'static str {
    match category {
        Category::Source => "Sources",
        Category::Shaper => "Shapers",
        Category::Filter => "Filters",
        Category::Time => "Time",
        Category::Io => "In / Out",
        Category::Test => "Test",
    }
}

/// The kind's one-line description, or a fallback for kinds that lack one.
pub fn description(kind: &KindSpec) -> &'static str {
    if kind.summary.is_empty() || kind.summary == "stub" {
        "(not implemented yet: outputs silence)"
    } else {
        kind.summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_category_order_and_cover_every_offered_kind() {
        let groups = palette();
        let order: Vec<Category> = groups.iter().map(|g| g.category).collect();
        let mut expected: Vec<Category> = CATEGORIES.to_vec();
        expected.retain(|c| order.contains(c));
        assert_eq!(order, expected);
        let offered: usize = groups.iter().map(|g| g.kinds.len()).sum();
        let library = modules::all()
            .filter(|k| k.category != Category::Test)
            .count();
        assert_eq!(offered, library);
        for g in &groups {
            for k in &g.kinds {
                assert_eq!(k.category, g.category, "{} misfiled", k.name);
                assert!(!description(k).is_empty());
            }
        }
    }

    #[test]
    fn known_kinds_are_where_a_musician_looks() {
        let groups = palette();
        let group_of = |name: &str| {
            groups
                .iter()
                .find(|g| g.kinds.iter().any(|k| k.name == name))
                .map(|g| g.category)
        };
        assert_eq!(group_of("sine"), Some(Category::Source));
        assert_eq!(group_of("adsr"), Some(Category::Shaper));
        assert_eq!(group_of("biquad"), Some(Category::Filter));
        assert_eq!(group_of("delay"), Some(Category::Time));
        assert_eq!(group_of("output"), Some(Category::Io));
        assert!(groups.iter().all(|g| g.category != Category::Test));
    }
}
