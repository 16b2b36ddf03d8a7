"""专项考核: the year-end assessment of the campaign's areas and grassroots unions.

A scheme (per year and campaign) lists indicators, each data-driven (a formula from the
registry in formulas/) or manual (scored by a named assessor with a reason and evidence), plus
bonus and deduction items with caps. A scoring run (scoring.py) stores every unit's points with
the inputs behind them; review.py takes the scheme from draft through publication and objections
to locked, after which nothing changes.
"""
