//! The standard's parse (every problem at once, with its code and band) and the check of one
//! decision (every verdict), on a standard shaped like 食品安全法第一百二十二条: goods worth
//! under 10,000 yuan, a fine of 50,000-100,000 yuan; from 10,000 yuan, 10-20 times the goods
//! value. The band split is illustrative, as in the demo catalogue.
use crate::money::Fen;
use proptest::prelude::*;

use super::*;

const STANDARD: &str = r#"
article: 食品安全法第一百二十二条第一款
measures: [没收违法所得]
bases:
  - { id: goods_value, name: 货值金额 }
regimes:
  - id: lt10k
    name: 货值金额不足一万元
    when: { base: goods_value, below_fen: 1000000 }
    statutory: { min: { fen: 5000000 }, max: { fen: 10000000 } }
    bands:
      - { id: lt10k-light, name: 从轻, kind: lighter, range: { min: { fen: 5000000 }, max: { fen: 6500000 } }, circumstances: [mit-small, apl32-1] }
      - { id: lt10k-mid, name: 一般, kind: ordinary, range: { min: { fen: 6500000 }, max: { fen: 8500000 } } }
      - { id: lt10k-heavy, name: 从重, kind: heavier, range: { min: { fen: 8500000 }, max: { fen: 10000000 } }, circumstances: [agg-repeat, agg-illness] }
  - id: ge10k
    name: 货值金额一万元以上
    when: { base: goods_value, at_least_fen: 1000000 }
    statutory: { min: { times_base: "10" }, max: { times_base: "20" } }
    bands:
      - { id: ge10k-light, name: 从轻, kind: 从轻, range: { min: { times_base: "10" }, max: { times_base: "13" } } }
      - { id: ge10k-mid, name: 一般, kind: 一般, range: { min: { times_base: "13" }, max: { times_base: "17" } } }
      - { id: ge10k-heavy, name: 从重, kind: 从重, range: { min: { times_base: "17" }, max: { times_base: "20" } }, circumstances: [agg-repeat] }
circumstances:
  - { id: agg-repeat, name: 一年内再次违法, kind: aggravating }
  - { id: agg-illness, name: 造成食源性疾病, kind: aggravating }
  - { id: mit-small, name: 货值金额较小且及时停止, kind: mitigating, basis: 演示自设 }
mitigation:
  approval: 经行政机关负责人集体讨论决定
  grounds:
    - { id: apl32-1, name: 主动消除或者减轻违法行为危害后果的, basis: 行政处罚法第三十二条第（一）项 }
    - { id: apl32-3, name: 主动供述行政机关尚未掌握的违法行为的, basis: 行政处罚法第三十二条第（三）项 }
no_penalty:
  grounds:
    - { id: apl33-first, name: 初次违法且危害后果轻微并及时改正, basis: 行政处罚法第三十三条第一款 }
decision_authority:
  at_least_fen: 30000000
  authority: 上海市市场监督管理局
  basis: 食品安全法实施条例第八十一条
"#;

fn spec() -> DiscretionStandardSpec {
    serde_norway::from_str(STANDARD).expect("fixture is well-formed")
}

fn standard() -> DiscretionStandard {
    DiscretionStandard::parse(spec()).expect("fixture is valid")
}

fn codes(spec: DiscretionStandardSpec) -> Vec<(DiscretionProblemCode, Option<String>)> {
    DiscretionStandard::parse(spec)
        .expect_err("the spec is invalid")
        .into_iter()
        .map(|p| (p.code, p.band))
        .collect()
}

fn fen(f: u64) -> AmountSpec {
    AmountSpec::Fen(f)
}

fn times(s: &str) -> AmountSpec {
    AmountSpec::TimesBase(Multiple::parse(s).unwrap())
}

fn decide(band: Option<&str>, base: Option<u64>, amount: u64) -> PenaltyDecisionInput {
    PenaltyDecisionInput {
        band: band.map(Into::into),
        base_amount_fen: base.map(Fen),
        amount_fen: Fen(amount),
        circumstances: Vec::new(),
        grounds: Vec::new(),
    }
}

// =============================================================================================
// Multiples
// =============================================================================================

#[test]
fn multiples_are_fixed_point_thousandths() {
    assert_eq!(Multiple::parse("10").unwrap().thousandths(), 10_000);
    assert_eq!(Multiple::parse("1.5").unwrap().thousandths(), 1_500);
    assert_eq!(Multiple::parse("0.125").unwrap().thousandths(), 125);
    for bad in ["", "1.", ".5", "1.2345", "-1", "1e3", "一", "1,5"] {
        assert!(Multiple::parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!(Multiple::parse("12.50").unwrap().to_string(), "12.5");
    assert_eq!(Multiple::parse("20.000").unwrap().to_string(), "20");
}

#[test]
fn multiples_are_written_as_strings_and_floats_are_refused() {
    let m: Multiple = serde_json::from_value(serde_json::json!("2.5")).unwrap();
    assert_eq!(serde_json::to_value(m).unwrap(), serde_json::json!("2.5"));
    let m: Multiple = serde_json::from_value(serde_json::json!(3)).unwrap();
    assert_eq!(m.thousandths(), 3000);
    assert!(serde_json::from_value::<Multiple>(serde_json::json!(2.5)).is_err());
    assert!(serde_json::from_value::<Multiple>(serde_json::json!(-2)).is_err());
    let a: AmountSpec = serde_norway::from_str("{ times_base: \"10\" }").unwrap();
    assert_eq!(a, times("10"));
    let a: AmountSpec = serde_norway::from_str("{ fen: 5000000 }").unwrap();
    assert_eq!(a, fen(5_000_000));
}

#[test]
fn minimums_round_up_and_maximums_down() {
    let m = Multiple::parse("1.5").unwrap();
    assert_eq!(m.of_ceil(3), 5); // 4.5 fen
    assert_eq!(m.of_floor(3), 4);
    assert_eq!(Multiple::parse("20").unwrap().of_floor(u64::MAX), u64::MAX);
}

// =============================================================================================
// Parse
// =============================================================================================

#[test]
fn a_realistic_standard_parses_and_round_trips() {
    let s = standard();
    let (regime, band) = s.band("ge10k-mid").unwrap();
    assert_eq!(regime.id, "ge10k");
    assert_eq!(band.range.min, times("13"));
    let json = serde_json::to_value(s.spec()).unwrap();
    let back: DiscretionStandardSpec = serde_json::from_value(json).unwrap();
    assert_eq!(&back, s.spec());
}

#[test]
fn unknown_fields_are_refused() {
    let text = STANDARD.replace("measures:", "bogus: 1\nmeasures:");
    assert!(serde_norway::from_str::<DiscretionStandardSpec>(&text).is_err());
}

#[test]
fn a_band_leaving_the_statutory_range_is_refused() {
    let mut s = spec();
    s.regimes[0].bands[2].range.max = fen(12_000_000);
    s.regimes[1].bands[0].range.min = times("9.5");
    let found = codes(s);
    assert!(found.contains(&(
        DiscretionProblemCode::BandOutsideStatutoryRange,
        Some("lt10k-heavy".into())
    )));
    assert!(found.contains(&(
        DiscretionProblemCode::BandOutsideStatutoryRange,
        Some("ge10k-light".into())
    )));
}

#[test]
fn overlapping_bands_are_refused_unless_said_so() {
    let mut s = spec();
    s.regimes[0].bands[1].range.min = fen(6_000_000);
    assert_eq!(
        codes(s.clone()),
        vec![(
            DiscretionProblemCode::BandsOverlap,
            Some("lt10k-mid".into())
        )]
    );
    s.regimes[0].bands[1].overlap_allowed = true;
    assert!(DiscretionStandard::parse(s).is_ok());
}

#[test]
fn bands_out_of_order_are_refused() {
    let mut s = spec();
    s.regimes[0].bands.swap(0, 1);
    let found = codes(s);
    assert!(found.contains(&(
        DiscretionProblemCode::BandsOutOfOrder,
        Some("lt10k-light".into())
    )));
    assert!(found.contains(&(
        DiscretionProblemCode::BandKindsOutOfOrder,
        Some("lt10k-light".into())
    )));
    assert!(found.contains(&(
        DiscretionProblemCode::RangeNotCovered,
        Some("lt10k-mid".into())
    )));
}

#[test]
fn gaps_between_bands_and_uncovered_ends_are_refused_but_a_fen_apart_is_contiguous() {
    let mut s = spec();
    s.regimes[0].bands[0].range.max = fen(6_499_999);
    assert!(
        DiscretionStandard::parse(s.clone()).is_ok(),
        "one fen apart"
    );
    s.regimes[0].bands[0].range.max = fen(6_000_000);
    s.regimes[0].bands[2].range.max = fen(9_900_000);
    assert_eq!(
        codes(s),
        vec![
            (DiscretionProblemCode::BandGap, Some("lt10k-mid".into())),
            (
                DiscretionProblemCode::RangeNotCovered,
                Some("lt10k-heavy".into())
            ),
        ]
    );
}

#[test]
fn a_heavier_band_needs_listed_aggravating_circumstances() {
    let mut s = spec();
    s.regimes[1].bands[2].circumstances.clear();
    s.regimes[0].bands[2].circumstances = vec!["mit-small".into(), "ghost".into()];
    assert_eq!(
        codes(s),
        vec![
            (
                DiscretionProblemCode::CircumstanceKindMismatch,
                Some("lt10k-heavy".into())
            ),
            (
                DiscretionProblemCode::UnknownCircumstance,
                Some("lt10k-heavy".into())
            ),
            (
                DiscretionProblemCode::HeavierBandWithoutCircumstances,
                Some("ge10k-heavy".into())
            ),
        ]
    );
}

#[test]
fn a_lighter_band_may_cite_mitigation_grounds_but_not_aggravating_circumstances() {
    let mut s = spec();
    s.regimes[0].bands[0].circumstances = vec!["apl32-3".into()];
    assert!(DiscretionStandard::parse(s.clone()).is_ok());
    s.regimes[0].bands[0].circumstances = vec!["agg-repeat".into()];
    assert_eq!(
        codes(s),
        vec![(
            DiscretionProblemCode::CircumstanceKindMismatch,
            Some("lt10k-light".into())
        )]
    );
}

#[test]
fn ids_are_unique_in_the_whole_standard_and_well_formed() {
    let mut s = spec();
    s.regimes[1].bands[1].id = "lt10k-mid".into();
    s.circumstances[0].id = "Agg Repeat".into();
    s.regimes[0].bands[2].circumstances = vec!["Agg Repeat".into()];
    let found = codes(s);
    assert!(found.contains(&(DiscretionProblemCode::DuplicateId, Some("lt10k-mid".into()))));
    assert!(found.contains(&(DiscretionProblemCode::InvalidId, None)));
}

#[test]
fn an_inverted_range_and_mixed_kinds_are_refused() {
    let mut s = spec();
    s.regimes[0].statutory = RangeSpec {
        min: fen(10_000_000),
        max: fen(5_000_000),
    };
    s.regimes[1].bands[1].range.max = fen(100);
    let found = codes(s);
    assert!(found.contains(&(DiscretionProblemCode::RangeInverted, None)));
    assert!(found.contains(&(DiscretionProblemCode::MixedAmountKinds, None)));
}

#[test]
fn multiples_need_a_declared_base() {
    let mut s = spec();
    s.regimes = vec![s.regimes[1].clone()];
    s.regimes[0].when = None;
    assert_eq!(
        codes(s.clone()),
        vec![(DiscretionProblemCode::BaseRequired, None)]
    );
    s.regimes[0].base = Some("illegal_gains".into());
    assert_eq!(codes(s), vec![(DiscretionProblemCode::UnknownBase, None)]);
}

#[test]
fn regimes_cover_every_base_amount_exactly_once() {
    let mut s = spec();
    s.regimes[1].when.as_mut().unwrap().at_least_fen = Some(2_000_000);
    assert_eq!(
        codes(s.clone()),
        vec![(DiscretionProblemCode::RegimeGap, None)]
    );
    s.regimes[1].when.as_mut().unwrap().at_least_fen = Some(500_000);
    assert_eq!(
        codes(s.clone()),
        vec![(DiscretionProblemCode::RegimesOverlap, None)]
    );
    s.regimes[1].when.as_mut().unwrap().at_least_fen = Some(1_000_000);
    s.regimes[0].when = None;
    assert_eq!(
        codes(s.clone()),
        vec![(DiscretionProblemCode::RegimeConditionMissing, None)]
    );
    s.regimes[1].when = Some(ConditionSpec {
        base: "goods_value".into(),
        at_least_fen: Some(1_000_000),
        below_fen: Some(1_000_000),
    });
    assert!(codes(s).contains(&(DiscretionProblemCode::RegimeConditionEmpty, None)));
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut s = spec();
    s.article = " ".into();
    s.regimes[0].bands[2].range.max = fen(12_000_000);
    s.regimes[1].bands.retain(|b| b.kind != BandKind::Ordinary);
    s.mitigation.as_mut().unwrap().grounds.clear();
    let problems = DiscretionStandard::parse(s).unwrap_err();
    let found: Vec<_> = problems.iter().map(|p| p.code).collect();
    for code in [
        DiscretionProblemCode::EmptyText,
        DiscretionProblemCode::BandOutsideStatutoryRange,
        DiscretionProblemCode::NoOrdinaryBand,
        DiscretionProblemCode::BandGap,
        DiscretionProblemCode::NoGrounds,
    ] {
        assert!(found.contains(&code), "{code:?} missing from {problems:?}");
    }
    let outside = problems
        .iter()
        .find(|p| p.code == DiscretionProblemCode::BandOutsideStatutoryRange)
        .unwrap();
    assert_eq!(outside.field, "regimes[0].bands[2].range");
    assert_eq!(outside.regime.as_deref(), Some("lt10k"));
    assert!(outside.message.contains("lt10k-heavy"));
    assert_eq!(
        serde_json::to_value(outside.code).unwrap(),
        "band_outside_statutory_range"
    );
}

#[test]
fn no_regimes_is_refused() {
    let mut s = spec();
    s.regimes.clear();
    assert_eq!(codes(s), vec![(DiscretionProblemCode::NoRegimes, None)]);
}

// =============================================================================================
// Check
// =============================================================================================

/// Goods worth 3,000 yuan.
const SMALL: Option<u64> = Some(300_000);
/// Goods worth 20,000 yuan: 200,000-400,000 yuan statutory.
const LARGE: Option<u64> = Some(2_000_000);

#[test]
fn an_amount_inside_its_band_is_in_band() {
    let c = standard().check(&decide(Some("lt10k-mid"), SMALL, 7_500_000));
    assert_eq!(c.verdict, Verdict::InBand);
    assert_eq!(c.regime.as_deref(), Some("lt10k"));
    assert_eq!(
        c.statutory_range,
        Some(FenRange {
            min_fen: Fen(5_000_000),
            max_fen: Fen(10_000_000)
        })
    );
    assert_eq!(
        c.band_range,
        Some(FenRange {
            min_fen: Fen(6_500_000),
            max_fen: Fen(8_500_000)
        })
    );
    assert_eq!(c.label, "在裁量档次内");
    assert!(!c.refused && !c.deviation);
    assert!(c.message.contains("75000元"), "{}", c.message);
}

#[test]
fn multiples_are_computed_from_the_base() {
    let c = standard().check(&decide(Some("ge10k-mid"), LARGE, 30_000_000));
    assert_eq!(c.verdict, Verdict::InBand);
    assert_eq!(
        c.statutory_range,
        Some(FenRange {
            min_fen: Fen(20_000_000),
            max_fen: Fen(40_000_000)
        })
    );
    assert_eq!(
        c.band_range,
        Some(FenRange {
            min_fen: Fen(26_000_000),
            max_fen: Fen(34_000_000)
        })
    );
    assert_eq!(
        c.decision_authority.as_deref(),
        Some("上海市市场监督管理局（食品安全法实施条例第八十一条）"),
        "300,000 yuan or more is decided higher up"
    );
}

#[test]
fn above_and_below_the_band_within_the_statutory_range_are_recorded_deviations() {
    let s = standard();
    let c = s.check(&decide(Some("lt10k-mid"), SMALL, 9_000_000));
    assert_eq!(c.verdict, Verdict::AboveBand);
    assert!(c.deviation && !c.refused);
    let c = s.check(&decide(Some("lt10k-mid"), SMALL, 6_000_000));
    assert_eq!(c.verdict, Verdict::BelowBand);
}

#[test]
fn above_the_statutory_maximum_is_refused() {
    let c = standard().check(&decide(Some("lt10k-heavy"), SMALL, 10_000_001));
    assert_eq!(c.verdict, Verdict::AboveStatutoryMaximum);
    assert!(c.refused);
}

#[test]
fn below_the_minimum_needs_a_listed_mitigation_ground_and_an_approval() {
    let s = standard();
    let c = s.check(&decide(Some("lt10k-light"), SMALL, 3_000_000));
    assert_eq!(c.verdict, Verdict::BelowStatutoryMinimumWithoutGrounds);
    assert!(c.deviation && !c.approval_required);
    let mut d = decide(None, SMALL, 3_000_000);
    d.grounds = vec!["apl32-3".into()];
    let c = s.check(&d);
    assert_eq!(c.verdict, Verdict::MitigatedWithGrounds);
    assert!(c.approval_required);
    assert_eq!(c.approval.as_deref(), Some("经行政机关负责人集体讨论决定"));
    assert_eq!(c.supported_by, vec!["apl32-3".to_string()]);
    // A no-penalty ground is not a 减轻 ground.
    d.grounds = vec!["apl33-first".into()];
    assert_eq!(
        s.check(&d).verdict,
        Verdict::BelowStatutoryMinimumWithoutGrounds
    );
}

#[test]
fn no_penalty_needs_a_listed_ground() {
    let s = standard();
    let mut d = decide(None, None, 0);
    assert_eq!(s.check(&d).verdict, Verdict::NoPenaltyWithoutGrounds);
    d.grounds = vec!["apl33-first".into()];
    let c = s.check(&d);
    assert_eq!(c.verdict, Verdict::NoPenaltyWithGrounds);
    assert_eq!(c.label, "不予处罚（有法定情形）");
}

#[test]
fn heavier_needs_one_of_its_circumstances_and_lighter_too_when_it_lists_any() {
    let s = standard();
    let mut d = decide(Some("lt10k-heavy"), SMALL, 9_000_000);
    assert_eq!(s.check(&d).verdict, Verdict::HeavierWithoutCircumstance);
    d.circumstances = vec!["agg-illness".into()];
    let c = s.check(&d);
    assert_eq!(c.verdict, Verdict::InBand);
    assert_eq!(c.supported_by, vec!["agg-illness".to_string()]);

    let mut d = decide(Some("lt10k-light"), SMALL, 5_500_000);
    assert_eq!(s.check(&d).verdict, Verdict::LighterWithoutCircumstance);
    d.grounds = vec!["apl32-1".into()];
    assert_eq!(
        s.check(&d).verdict,
        Verdict::InBand,
        "an art. 32 ground justifies 从轻"
    );
    // A lighter band that lists nothing needs nothing.
    assert_eq!(
        s.check(&decide(Some("ge10k-light"), LARGE, 21_000_000))
            .verdict,
        Verdict::InBand
    );
}

#[test]
fn impossible_input_is_refused() {
    let s = standard();
    let c = s.check(&decide(Some("nope"), SMALL, 7_000_000));
    assert_eq!(c.verdict, Verdict::UnknownBand);
    assert!(c.refused);
    assert_eq!(
        s.check(&decide(None, SMALL, 7_000_000)).verdict,
        Verdict::BandRequired
    );
    assert_eq!(
        s.check(&decide(Some("ge10k-mid"), None, 7_000_000)).verdict,
        Verdict::BaseAmountRequired
    );
    assert_eq!(
        s.check(&decide(Some("lt10k-mid"), None, 7_000_000)).verdict,
        Verdict::BaseAmountRequired,
        "the regime's condition cannot be checked"
    );
    let c = s.check(&decide(Some("lt10k-mid"), LARGE, 7_000_000));
    assert_eq!(c.verdict, Verdict::RegimeMismatch);
    assert_eq!(
        c.regime.as_deref(),
        Some("ge10k"),
        "the regime the base selects"
    );
    let mut d = decide(Some("lt10k-mid"), SMALL, 7_000_000);
    d.circumstances = vec!["ghost".into()];
    let c = s.check(&d);
    assert_eq!(c.verdict, Verdict::UnknownCircumstance);
    assert_eq!(c.unknown, vec!["ghost".to_string()]);
    let mut d = decide(Some("lt10k-mid"), SMALL, 7_000_000);
    d.grounds = vec!["agg-repeat".into()];
    assert_eq!(s.check(&d).verdict, Verdict::UnknownGround);
}

#[test]
fn the_boundary_of_two_regimes_belongs_to_the_upper_one() {
    let s = standard();
    // Exactly 10,000 yuan of goods: 一万元以上 includes the figure.
    let c = s.check(&decide(Some("ge10k-light"), Some(1_000_000), 10_000_000));
    assert_eq!(c.verdict, Verdict::InBand);
    assert_eq!(
        s.check(&decide(Some("lt10k-light"), Some(1_000_000), 5_000_000))
            .verdict,
        Verdict::RegimeMismatch
    );
}

#[test]
fn verdicts_serialize_as_their_codes_with_labels() {
    for v in [
        Verdict::InBand,
        Verdict::AboveBand,
        Verdict::BelowBand,
        Verdict::HeavierWithoutCircumstance,
        Verdict::LighterWithoutCircumstance,
        Verdict::MitigatedWithGrounds,
        Verdict::BelowStatutoryMinimumWithoutGrounds,
        Verdict::NoPenaltyWithGrounds,
        Verdict::NoPenaltyWithoutGrounds,
        Verdict::AboveStatutoryMaximum,
        Verdict::UnknownBand,
        Verdict::BandRequired,
        Verdict::BaseAmountRequired,
        Verdict::RegimeMismatch,
        Verdict::UnknownCircumstance,
        Verdict::UnknownGround,
    ] {
        assert_eq!(serde_json::to_value(v).unwrap(), v.code());
        assert!(!v.label().is_empty());
        assert!(!(v.is_refused() && v.is_deviation()));
    }
}

proptest! {
    /// Within a band's range with its circumstances cited, every amount is in band; the check
    /// never panics on any input.
    #[test]
    fn amounts_within_a_band_are_in_band(
        band in prop::sample::select(vec!["lt10k-light", "lt10k-mid", "lt10k-heavy", "ge10k-light", "ge10k-mid", "ge10k-heavy"]),
        base in 0u64..1_000_000_000,
        pick in 0u64..=1000,
    ) {
        let s = standard();
        let (regime, b) = s.band(band).unwrap();
        let base = if regime.id == "lt10k" { base % 1_000_000 } else { 1_000_000 + base };
        let mut d = decide(Some(band), Some(base), 0);
        d.circumstances = b.circumstances.iter().filter(|c| c.starts_with("agg") || c.starts_with("mit")).cloned().collect();
        let probe = s.check(&d);
        let r = probe.band_range.unwrap();
        d.amount_fen = Fen(r.min_fen.get() + (r.max_fen.get() - r.min_fen.get()) / 1000 * pick);
        let c = s.check(&d);
        if d.amount_fen.is_zero() {
            prop_assert_eq!(c.verdict, Verdict::NoPenaltyWithoutGrounds);
        } else {
            prop_assert_eq!(c.verdict, Verdict::InBand);
            let st = c.statutory_range.unwrap();
            prop_assert!(st.min_fen <= r.min_fen && r.max_fen <= st.max_fen);
        }
    }

    #[test]
    fn the_check_is_total(
        band in prop::option::of("[a-z0-9-]{1,12}"),
        base in prop::option::of(any::<u64>()),
        amount in any::<u64>(),
    ) {
        let c = standard().check(&decide(band.as_deref(), base, amount));
        prop_assert_eq!(c.refused, c.verdict.is_refused());
    }
}

// =============================================================================================
// Versions stored before standards were structured
// =============================================================================================

/// A version as stored before standards were structured, with `discretion` as given.
fn stored_version(discretion: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "legal_basis": [{"law": "中华人民共和国食品安全法", "article": "第一百二十二条第一款"}],
        "statutory_limit_days": 57,
        "disclosure": "proactive",
        "supervision_channel": "12345",
        "flowchart": {
            "steps": [
                {"id": "file_case", "name": "立案", "kind": "start", "role": "执法人员"},
                {"id": "done", "name": "办结", "kind": "end", "result": "给予行政处罚"}
            ],
            "transitions": [{"from": "file_case", "outcome": "决定", "to": "done"}]
        },
        "discretion": discretion,
    })
}

#[test]
fn a_structured_standard_with_a_mistake_is_refused_with_the_reason() {
    use crate::power::PowerVersionContent;
    let mut standard = serde_json::to_value(spec()).unwrap();
    standard["regimes"][0]["bands"][0]["colour"] = serde_json::json!("red");
    let err = serde_json::from_value::<PowerVersionContent>(stored_version(standard))
        .unwrap_err()
        .to_string();
    assert!(err.contains("colour"), "{err}");
    let content: PowerVersionContent =
        serde_json::from_value(stored_version(serde_json::to_value(spec()).unwrap())).unwrap();
    assert_eq!(content.discretion, Some(spec()));
    let yaml = serde_norway::to_string(&content).unwrap();
    let back: PowerVersionContent = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(back, content, "YAML round trip");
}
