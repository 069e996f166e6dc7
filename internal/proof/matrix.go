package proof

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Cell is the outcome of the runs of one row and column.
type Cell struct {
	Pass, Total int
}

// Matrix counts passing runs per row and column. Rows print in the order
// they were first added; columns in the order given to NewMatrix. It is
// safe for concurrent use.
type Matrix struct {
	title string
	cols  []string

	mu    sync.Mutex
	rows  []string
	cells map[[2]string]*Cell
	notes map[string]string
}

// NewMatrix returns an empty matrix with the given columns.
func NewMatrix(title string, cols ...string) *Matrix {
	return &Matrix{title: title, cols: slices.Clone(cols), cells: map[[2]string]*Cell{}, notes: map[string]string{}}
}

// Row adds row (if new) without counting a run, so a row whose columns do
// not apply still prints.
func (m *Matrix) Row(row string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.row(row)
}

func (m *Matrix) row(row string) {
	if !slices.Contains(m.rows, row) {
		m.rows = append(m.rows, row)
	}
}

// Add counts one run of row and col.
func (m *Matrix) Add(row, col string, pass bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !slices.Contains(m.cols, col) {
		panic("proof: unknown column " + col)
	}
	m.row(row)
	c := m.cells[[2]string{row, col}]
	if c == nil {
		c = &Cell{}
		m.cells[[2]string{row, col}] = c
	}
	c.Total++
	if pass {
		c.Pass++
	}
}

// Note prints text after the row, e.g. what a row's columns mean there.
func (m *Matrix) Note(row, text string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.row(row)
	m.notes[row] = text
}

// Cell returns the counts of one row and column.
func (m *Matrix) Cell(row, col string) Cell {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.cells[[2]string{row, col}]; c != nil {
		return *c
	}
	return Cell{}
}

// Totals returns the passing and all runs.
func (m *Matrix) Totals() (pass, total int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.cells {
		pass += c.Pass
		total += c.Total
	}
	return pass, total
}

// String renders the matrix as an aligned text table: "pass/total" per
// cell, "-" where no run applies, a total per column and overall.
func (m *Matrix) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	header := append([]string{""}, m.cols...)
	header = append(header, "all")
	table := [][]string{header}
	colPass, colTotal := make([]int, len(m.cols)), make([]int, len(m.cols))
	for _, row := range m.rows {
		line := []string{row}
		var rp, rt int
		for i, col := range m.cols {
			c := m.cells[[2]string{row, col}]
			if c == nil {
				line = append(line, "-")
				continue
			}
			line = append(line, fmt.Sprintf("%d/%d", c.Pass, c.Total))
			rp, rt = rp+c.Pass, rt+c.Total
			colPass[i], colTotal[i] = colPass[i]+c.Pass, colTotal[i]+c.Total
		}
		line = append(line, fmt.Sprintf("%d/%d", rp, rt))
		if n := m.notes[row]; n != "" {
			line = append(line, n)
		}
		table = append(table, line)
	}
	footer := []string{"all"}
	var ap, at int
	for i := range m.cols {
		footer = append(footer, fmt.Sprintf("%d/%d", colPass[i], colTotal[i]))
		ap, at = ap+colPass[i], at+colTotal[i]
	}
	footer = append(footer, fmt.Sprintf("%d/%d", ap, at))
	table = append(table, footer)

	widths := make([]int, len(header))
	for _, line := range table {
		for i, cell := range line {
			if i < len(widths) {
				widths[i] = max(widths[i], len([]rune(cell)))
			}
		}
	}
	var b strings.Builder
	if m.title != "" {
		b.WriteString(m.title + "\n\n")
	}
	for n, line := range table {
		for i, cell := range line {
			switch {
			case i == 0:
				b.WriteString(cell + strings.Repeat(" ", widths[0]-len([]rune(cell))))
			case i < len(widths):
				b.WriteString("  " + strings.Repeat(" ", widths[i]-len([]rune(cell))) + cell)
			default:
				b.WriteString("  " + cell)
			}
		}
		b.WriteString("\n")
		if n == 0 || n == len(table)-2 {
			total := 0
			for _, w := range widths {
				total += w + 2
			}
			b.WriteString(strings.Repeat("-", total-2) + "\n")
		}
	}
	return b.String()
}
