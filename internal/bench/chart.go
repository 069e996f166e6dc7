package bench

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The report's charts (grouped bars, log-log lines) drawn with
// gonum.org/v1/plot into PNGs.

// dpi is the charts' resolution: a point is 4/3 of a pixel.
const dpi = 96

// palette colours the series in order (matplotlib's tab10).
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
}

func colour(i int) color.RGBA { return palette[i%len(palette)] }

// px is a length of n pixels.
func px(n float64) vg.Length { return vg.Length(n) * vg.Inch / dpi }

// entry is a legend entry: a series' name and its thumbnail.
type entry struct {
	name  string
	thumb plot.Thumbnailer
}

// legendHeight is the strip below a chart that holds its legend.
var legendHeight = px(26)

// save draws p on a w×h pixel PNG at path, its legend in one row below.
func save(p *plot.Plot, legend []entry, w, h int, path string) error {
	c := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, w, h))), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	p.Draw(draw.Crop(dc, 0, 0, legendHeight, 0))
	strip := draw.Crop(dc, px(10), 0, 0, legendHeight-dc.Size().Y)
	for _, e := range legend {
		l := plot.NewLegend()
		l.Left, l.Top = true, false
		l.YOffs = px(6)
		l.Add(e.name, e.thumb)
		l.Draw(strip)
		strip.Min.X += l.Rectangle(strip).Size().X + px(24)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// niceMax rounds v up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// fifths ticks an axis from 0 to top in five steps, labelled by format.
func fifths(top float64, format func(float64) string) plot.Ticker {
	return plot.TickerFunc(func(_, _ float64) []plot.Tick {
		var ticks []plot.Tick
		for i := 0; i <= 5; i++ {
			v := top * float64(i) / 5
			ticks = append(ticks, plot.Tick{Value: v, Label: format(v)})
		}
		return ticks
	})
}

func defaultFormat(v float64) string { return fmt.Sprintf("%.3g", v) }

// Series is one named row of values.
type Series struct {
	Name   string
	Values []float64
}

// BarChart is a grouped bar chart: one group per category, one bar per
// series. Horizontal puts categories on the y axis (for long names).
type BarChart struct {
	Title, Axis string
	Categories  []string
	Series      []Series
	Horizontal  bool
	// Format renders a value for the bar labels and the axis.
	Format func(float64) string
}

// Size returns the chart's size in pixels: 960×520, or for a horizontal
// chart 960 wide and 16 pixels a bar (10 between groups) high.
func (b BarChart) Size() (w, h int) {
	if !b.Horizontal {
		return 960, 520
	}
	return 960, 120 + (16*len(b.Series)+10)*len(b.Categories)
}

// Save renders the chart to a PNG file.
func (b BarChart) Save(path string) error {
	format := b.Format
	if format == nil {
		format = defaultFormat
	}
	maxV := 0.0
	for _, s := range b.Series {
		for _, v := range s.Values {
			maxV = math.Max(maxV, v)
		}
	}
	top := niceMax(maxV * 1.08)
	w, h := b.Size()
	p := plot.New()
	p.Title.Text = b.Title
	var legend []entry
	value, category := &p.Y, &p.X
	// A group takes 80% of its category's room, split between its bars.
	groups, n := max(len(b.Categories), 1), max(len(b.Series), 1)
	barW := px(0.8 * float64(w-150) / float64(groups) / float64(n))
	if b.Horizontal {
		value, category = &p.X, &p.Y
		barW = px(16)
	}
	value.Min, value.Max = 0, top
	value.Label.Text = b.Axis
	value.Tick.Marker = fifths(top, format)
	grid := plotter.NewGrid() // lines across the value axis only
	if b.Horizontal {
		p.NominalY(reversed(b.Categories)...)
		grid.Horizontal.Color = nil
	} else {
		p.NominalX(b.Categories...)
		grid.Vertical.Color = nil
	}
	p.Add(grid)
	category.Min, category.Max = -0.5, float64(groups)-0.5
	category.Tick.Label.Font.Size = vg.Points(9)
	for si, s := range b.Series {
		vals := make(plotter.Values, len(b.Categories))
		copy(vals, s.Values)
		if b.Horizontal {
			vals = reversed(vals) // the first category at the top
		}
		bars, err := plotter.NewBarChart(vals, barW-px(2))
		if err != nil {
			return err
		}
		bars.Horizontal = b.Horizontal
		bars.Color = colour(si)
		bars.LineStyle.Width = 0
		offset := barW * (vg.Length(si) - vg.Length(n-1)/2)
		if b.Horizontal {
			offset = -offset // the first series on top
		}
		bars.Offset = offset
		p.Add(bars)
		legend = append(legend, entry{s.Name, bars})
		labels, err := barLabels(vals, format, b.Horizontal, offset)
		if err != nil {
			return err
		}
		p.Add(labels)
	}
	return save(p, legend, w, h, path)
}

// barLabels prints each bar's value at its end.
func barLabels(vals plotter.Values, format func(float64) string, horizontal bool, offset vg.Length) (*plotter.Labels, error) {
	xyl := plotter.XYLabels{XYs: make(plotter.XYs, len(vals)), Labels: make([]string, len(vals))}
	for i, v := range vals {
		xyl.XYs[i] = plotter.XY{X: float64(i), Y: v}
		if horizontal {
			xyl.XYs[i] = plotter.XY{X: v, Y: float64(i)}
		}
		xyl.Labels[i] = format(v)
	}
	labels, err := plotter.NewLabels(xyl)
	if err != nil {
		return nil, err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].Font.Size = vg.Points(8)
		if horizontal {
			labels.TextStyle[i].XAlign, labels.TextStyle[i].YAlign = draw.XLeft, draw.YCenter
		} else {
			labels.TextStyle[i].XAlign, labels.TextStyle[i].YAlign = draw.XCenter, draw.YBottom
		}
	}
	labels.Offset = vg.Point{X: offset, Y: px(3)}
	if horizontal {
		labels.Offset = vg.Point{X: px(4), Y: offset}
	}
	return labels, nil
}

func reversed[S ~[]E, E any](s S) S {
	out := make(S, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// LineSeries is one line of points; Hollow marks points that were modelled.
type LineSeries struct {
	Name   string
	X, Y   []float64
	Hollow []bool
	Dashed bool
}

// LineChart plots lines on log-log axes.
type LineChart struct {
	Title, XAxis, YAxis string
	Lines               []LineSeries
	// Format renders y values; x values print as plain numbers.
	Format func(float64) string
}

// Size returns the chart's size in pixels.
func (l LineChart) Size() (w, h int) { return 960, 560 }

// Save renders the chart to a PNG file.
func (l LineChart) Save(path string) error {
	format := l.Format
	if format == nil {
		format = defaultFormat
	}
	p := plot.New()
	p.Title.Text = l.Title
	p.X.Label.Text, p.Y.Label.Text = l.XAxis, l.YAxis
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker = decades(func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) })
	p.Y.Tick.Marker = decades(format)
	var legend []entry
	p.Add(plotter.NewGrid())
	lo, hi := plotter.XY{X: math.Inf(1), Y: math.Inf(1)}, plotter.XY{X: math.Inf(-1), Y: math.Inf(-1)}
	for si, s := range l.Lines {
		var line, run, modelled plotter.XYs
		for i := range s.X {
			if s.X[i] <= 0 || s.Y[i] <= 0 {
				continue // no place on a log axis
			}
			xy := plotter.XY{X: s.X[i], Y: s.Y[i]}
			lo.X, lo.Y = min(lo.X, xy.X), min(lo.Y, xy.Y)
			hi.X, hi.Y = max(hi.X, xy.X), max(hi.Y, xy.Y)
			line = append(line, xy)
			if i < len(s.Hollow) && s.Hollow[i] {
				modelled = append(modelled, xy)
			} else {
				run = append(run, xy)
			}
		}
		if len(line) == 0 {
			continue
		}
		ln, err := plotter.NewLine(line)
		if err != nil {
			return err
		}
		ln.Color, ln.Width = colour(si), px(2)
		if s.Dashed {
			ln.Dashes = []vg.Length{px(6), px(6)}
		}
		p.Add(ln)
		legend = append(legend, entry{s.Name, ln})
		for _, pts := range []struct {
			xys   plotter.XYs
			glyph draw.GlyphDrawer
		}{{run, draw.CircleGlyph{}}, {modelled, draw.RingGlyph{}}} {
			if len(pts.xys) == 0 {
				continue
			}
			sc, err := plotter.NewScatter(pts.xys)
			if err != nil {
				return err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: colour(si), Radius: px(5), Shape: pts.glyph}
			p.Add(sc)
		}
	}
	// Whole decades on both axes, as if there were no points 1 to 10.
	if math.IsInf(lo.X, 1) {
		lo, hi = plotter.XY{X: 1, Y: 1}, plotter.XY{X: 10, Y: 10}
	}
	p.X.Min, p.X.Max = decade(lo.X, hi.X)
	p.Y.Min, p.Y.Max = decade(lo.Y, hi.Y)
	key, err := plotter.NewScatter(plotter.XYs{})
	if err != nil {
		return err
	}
	key.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: px(5), Shape: draw.RingGlyph{}}
	legend = append(legend, entry{"hollow marker: modelled, not run", key})
	w, h := l.Size()
	return save(p, legend, w, h, path)
}

// decades ticks a log axis at each power of ten, labelled by format.
func decades(format func(float64) string) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		var ticks []plot.Tick
		for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
			v := math.Pow(10, e)
			ticks = append(ticks, plot.Tick{Value: v, Label: format(v)})
		}
		return ticks
	})
}

// decade widens [lo, hi] to powers of ten, at least one decade apart.
func decade(lo, hi float64) (float64, float64) {
	l, h := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if h == l {
		h++
	}
	return math.Pow(10, l), math.Pow(10, h)
}
