package review

// The issue-18 figures as Agreement reports them (AgreementRow.Extra and AgreementRow.ICC), and the
// score kappas under AgreementOptions.Conventions.

// decisionScale is the nominal accept (1) / reject (0) scale of human decisions.
var decisionScale = Scale{Kind: Nominal, Min: 0, Max: 1}

// scoreKappa is a score pair's weighted Cohen's kappa on rounded scores under o.Conventions, with the
// resample function for its bootstrap (integer codes of the same categories and distances; the
// categories are fixed on the whole sample, so a resample does not re-derive "observed").
func scoreKappa(ra, rb []float64, w Weight, o AgreementOptions) (Stat, func([]int) Stat) {
	point := CohenKappaWith(ra, rb, o.scoreScale(), w, o.Conventions)
	cd, idx, why := o.Conventions.code(o.scoreScale(), ra, rb)
	if why != "" || len(cd.pos) > 255 {
		return point, func(idx []int) Stat { return undefinedStat(point.Name, len(idx), "no categories") }
	}
	xa, xb := make([]float64, len(ra)), make([]float64, len(rb))
	for i := range ra {
		xa[i], xb[i] = cd.pos[idx[0][i]], cd.pos[idx[1][i]]
	}
	pc := newPairCodes(xa, xb, cd.pos, false)
	return point, func(idx []int) Stat { return pc.kappa(idx, w) }
}

// pairExtra are a pair's further figures and, for scores, its ICC tests.
func pairExtra(a, b []float64, decision bool, o AgreementOptions) ([]Stat, []ICCResult) {
	ra, rb := RoundAll(a), RoundAll(b)
	if decision {
		var none Conventions // decisions are always the two categories 0 and 1
		se0, z, p := CohenKappaH0(ra, rb, o.nominalScale(), Unweighted, none)
		out := []Stat{
			CohenKappaSEWith(ra, rb, o.nominalScale(), Unweighted, none), se0, z, p,
			ScottPi(ra, rb, o.nominalScale()),
			BrennanPrediger(UnitsFromRaters(ra, rb), o.nominalScale(), Unweighted, none),
		}
		if !o.categorical() { // PABAK and its indices are of a 2 x 2 table
			pabak, pi, bi := PrevalenceBias(ra, rb, decisionScale)
			out = append(out, pabak, pi, bi)
		}
		return out, nil
	}
	c := o.Conventions
	se0, z, p := CohenKappaH0(ra, rb, o.scoreScale(), Quadratic, c)
	extra := []Stat{
		CohenKappaSEWith(ra, rb, o.scoreScale(), Quadratic, c), se0, z, p,
		KendallTauC(a, b),
		GwetAC2With(UnitsFromRaters(ra, rb), o.scoreScale(), Quadratic, c),
	}
	return extra, iccTests(UnitsFromRaters(a, b), o)
}

// allHumansExtra are the all-annotators row's further figures (units: items x annotators, NaN missing).
func allHumansExtra(units [][]float64, decision bool, o AgreementOptions) ([]Stat, []ICCResult) {
	ru := make([][]float64, len(units))
	for i, u := range units {
		ru[i] = RoundAll(u) // NaN stays NaN
	}
	if decision {
		var none Conventions
		return []Stat{RandolphKappa(ru, o.nominalScale(), none), GwetAC2With(ru, o.nominalScale(), Unweighted, none)}, nil
	}
	c := o.Conventions
	extra := []Stat{
		KrippendorffAlpha(units, Scale{Kind: Interval}),
		KrippendorffAlpha(units, Scale{Kind: Ratio}),
		GwetAC2With(ru, o.scoreScale(), Quadratic, c),
		FleissKappaWeighted(ru, o.scoreScale(), Quadratic, c),
	}
	return extra, iccTests(units, o)
}

// iccTests are the six ICCs with F tests and CIs (over complete rows).
func iccTests(units [][]float64, o AgreementOptions) []ICCResult {
	out := make([]ICCResult, 0, 6)
	for _, k := range []ICCKind{ICC11, ICC21, ICC31, ICC1K, ICC2K, ICC3K} {
		out = append(out, ICCTest(units, k, o.Level))
	}
	return out
}
