package bench

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// A small chart renderer (bars and log-log lines) on image/png with the
// 7×13 bitmap font, so the report needs no plotting dependency.

var (
	white   = color.RGBA{255, 255, 255, 255}
	black   = color.RGBA{30, 30, 30, 255}
	grey    = color.RGBA{200, 200, 200, 255}
	palette = []color.RGBA{
		{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
		{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	}
)

type canvas struct {
	img *image.RGBA
}

func newCanvas(w, h int) *canvas {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), &image.Uniform{white}, image.Point{}, draw.Src)
	return &canvas{img: img}
}

func (c *canvas) rect(x0, y0, x1, y1 int, col color.Color) {
	if x1 < x0 {
		x0, x1 = x1, x0
	}
	if y1 < y0 {
		y0, y1 = y1, y0
	}
	draw.Draw(c.img, image.Rect(x0, y0, x1, y1), &image.Uniform{col}, image.Point{}, draw.Src)
}

// line draws a line of the given width (dashed when dash > 0).
func (c *canvas) line(x0, y0, x1, y1 float64, width int, col color.Color, dash int) {
	dx, dy := x1-x0, y1-y0
	steps := int(math.Max(math.Abs(dx), math.Abs(dy)))
	if steps == 0 {
		steps = 1
	}
	for i := 0; i <= steps; i++ {
		if dash > 0 && (i/dash)%2 == 1 {
			continue
		}
		x := x0 + dx*float64(i)/float64(steps)
		y := y0 + dy*float64(i)/float64(steps)
		c.rect(int(x)-width/2, int(y)-width/2, int(x)-width/2+width, int(y)-width/2+width, col)
	}
}

func textWidth(s string) int { return font.MeasureString(basicfont.Face7x13, s).Ceil() }

// text draws s with its left end at x and its baseline at y.
func (c *canvas) text(x, y int, s string, col color.Color) {
	d := &font.Drawer{Dst: c.img, Src: &image.Uniform{col}, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func (c *canvas) textRight(x, y int, s string, col color.Color) {
	c.text(x-textWidth(s), y, s, col)
}

func (c *canvas) textCenter(x, y int, s string, col color.Color) {
	c.text(x-textWidth(s)/2, y, s, col)
}

func (c *canvas) save(path string) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, c.img); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
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

// Save renders the chart to a PNG file.
func (b BarChart) Save(path string) error {
	format := b.Format
	if format == nil {
		format = func(v float64) string { return fmt.Sprintf("%.3g", v) }
	}
	maxV := 0.0
	for _, s := range b.Series {
		for _, v := range s.Values {
			maxV = math.Max(maxV, v)
		}
	}
	top := niceMax(maxV * 1.08)
	if b.Horizontal {
		return b.saveHorizontal(path, top, format)
	}
	const w, h = 960, 520
	left, right, upper, lower := 90, 20, 60, 70
	c := newCanvas(w, h)
	c.textCenter(w/2, 24, b.Title, black)
	plotW, plotH := w-left-right, h-upper-lower
	for i := 0; i <= 5; i++ {
		v := top * float64(i) / 5
		y := upper + plotH - int(float64(plotH)*float64(i)/5)
		c.rect(left, y, left+plotW, y+1, grey)
		c.textRight(left-6, y+4, format(v), black)
	}
	c.text(8, upper-12, b.Axis, black)
	groupW := float64(plotW) / float64(max(len(b.Categories), 1))
	barW := groupW * 0.8 / float64(max(len(b.Series), 1))
	for gi, cat := range b.Categories {
		gx := float64(left) + groupW*float64(gi) + groupW*0.1
		for si, s := range b.Series {
			if gi >= len(s.Values) {
				continue
			}
			v := s.Values[gi]
			x0 := int(gx + barW*float64(si))
			x1 := int(gx + barW*float64(si+1) - 2)
			y := upper + plotH - int(float64(plotH)*v/top)
			c.rect(x0, y, x1, upper+plotH, palette[si%len(palette)])
			c.textCenter((x0+x1)/2, y-4, format(v), black)
		}
		c.textCenter(int(gx+groupW*0.4), upper+plotH+18, cat, black)
	}
	c.rect(left, upper+plotH, left+plotW, upper+plotH+1, black)
	b.legend(c, left, h-24)
	return c.save(path)
}

func (b BarChart) saveHorizontal(path string, top float64, format func(float64) string) error {
	labelW := 0
	for _, cat := range b.Categories {
		labelW = max(labelW, textWidth(cat))
	}
	barH := 16
	groupH := barH*len(b.Series) + 10
	const w = 960
	left, right, upper, lower := labelW+16, 70, 60, 60
	h := upper + lower + groupH*len(b.Categories)
	c := newCanvas(w, h)
	c.textCenter(w/2, 24, b.Title, black)
	plotW, plotH := w-left-right, groupH*len(b.Categories)
	for i := 0; i <= 5; i++ {
		v := top * float64(i) / 5
		x := left + int(float64(plotW)*float64(i)/5)
		c.rect(x, upper, x+1, upper+plotH, grey)
		c.textCenter(x, upper+plotH+16, format(v), black)
	}
	c.textCenter(left+plotW/2, upper+plotH+32, b.Axis, black)
	for gi, cat := range b.Categories {
		gy := upper + groupH*gi + 5
		c.textRight(left-8, gy+groupH/2, cat, black)
		for si, s := range b.Series {
			if gi >= len(s.Values) {
				continue
			}
			v := s.Values[gi]
			y0 := gy + barH*si
			x1 := left + int(float64(plotW)*v/top)
			c.rect(left, y0, x1, y0+barH-2, palette[si%len(palette)])
			c.text(x1+4, y0+barH-4, format(v), black)
		}
	}
	c.rect(left, upper, left+1, upper+plotH, black)
	b.legend(c, left, h-12)
	return c.save(path)
}

func (b BarChart) legend(c *canvas, x, y int) {
	for si, s := range b.Series {
		c.rect(x, y-10, x+12, y, palette[si%len(palette)])
		c.text(x+16, y, s.Name, black)
		x += 16 + textWidth(s.Name) + 24
	}
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

// Save renders the chart to a PNG file.
func (l LineChart) Save(path string) error {
	format := l.Format
	if format == nil {
		format = func(v float64) string { return fmt.Sprintf("%.3g", v) }
	}
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range l.Lines {
		for i := range s.X {
			if s.X[i] > 0 && s.Y[i] > 0 {
				minX, maxX = math.Min(minX, s.X[i]), math.Max(maxX, s.X[i])
				minY, maxY = math.Min(minY, s.Y[i]), math.Max(maxY, s.Y[i])
			}
		}
	}
	if math.IsInf(minX, 1) {
		minX, maxX, minY, maxY = 1, 10, 1, 10
	}
	lx0, lx1 := math.Floor(math.Log10(minX)), math.Ceil(math.Log10(maxX))
	ly0, ly1 := math.Floor(math.Log10(minY)), math.Ceil(math.Log10(maxY))
	if lx1 == lx0 {
		lx1++
	}
	if ly1 == ly0 {
		ly1++
	}
	const w, h = 960, 560
	left, right, upper, lower := 100, 30, 60, 80
	plotW, plotH := w-left-right, h-upper-lower
	c := newCanvas(w, h)
	c.textCenter(w/2, 24, l.Title, black)
	px := func(x float64) float64 { return float64(left) + float64(plotW)*(math.Log10(x)-lx0)/(lx1-lx0) }
	py := func(y float64) float64 { return float64(upper+plotH) - float64(plotH)*(math.Log10(y)-ly0)/(ly1-ly0) }
	for e := lx0; e <= lx1; e++ {
		x := int(px(math.Pow(10, e)))
		c.rect(x, upper, x+1, upper+plotH, grey)
		c.textCenter(x, upper+plotH+18, strconv.FormatFloat(math.Pow(10, e), 'f', -1, 64), black)
	}
	for e := ly0; e <= ly1; e++ {
		y := int(py(math.Pow(10, e)))
		c.rect(left, y, left+plotW, y+1, grey)
		c.textRight(left-6, y+4, format(math.Pow(10, e)), black)
	}
	c.textCenter(left+plotW/2, upper+plotH+36, l.XAxis, black)
	c.text(8, upper-12, l.YAxis, black)
	for si, s := range l.Lines {
		col := palette[si%len(palette)]
		dash := 0
		if s.Dashed {
			dash = 6
		}
		for i := 1; i < len(s.X); i++ {
			if s.X[i-1] > 0 && s.Y[i-1] > 0 && s.X[i] > 0 && s.Y[i] > 0 {
				c.line(px(s.X[i-1]), py(s.Y[i-1]), px(s.X[i]), py(s.Y[i]), 2, col, dash)
			}
		}
		for i := range s.X {
			if s.X[i] <= 0 || s.Y[i] <= 0 {
				continue
			}
			x, y := int(px(s.X[i])), int(py(s.Y[i]))
			c.rect(x-4, y-4, x+5, y+5, col)
			if i < len(s.Hollow) && s.Hollow[i] {
				c.rect(x-2, y-2, x+3, y+3, white)
			}
		}
	}
	x := left
	for si, s := range l.Lines {
		c.rect(x, h-22, x+12, h-12, palette[si%len(palette)])
		c.text(x+16, h-12, s.Name, black)
		x += 16 + textWidth(s.Name) + 24
	}
	c.textRight(w-right, h-12, "hollow marker: modelled, not run", black)
	return c.save(path)
}
