"""The campaign (the seed's first four measures): targets per area and their progress, the
classification of the un-unionized (专题研判), responsibility for each area (包片), task forces
(专班), the organising pipeline of every un-unionized enterprise with surveys (摸底) and field
work, trainings, and the checklist that makes a newly founded union real."""
