package slacktest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// textLimit is Slack's limit, in characters, for a kind of text.
func textLimit(what string) int {
	switch what {
	case "header":
		return 150
	case "field", "label":
		return 2000
	case "button":
		return 75
	}
	return 3000 // section, context
}

type textObj struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type element struct {
	Type     string   `json:"type"`
	ActionID string   `json:"action_id"`
	Text     *textObj `json:"text"`
	URL      string   `json:"url"`
	Style    string   `json:"style"`
	Confirm  *struct {
		Title, Text, Confirm, Deny *textObj
	} `json:"confirm"`
}

type block struct {
	Type     string          `json:"type"`
	BlockID  string          `json:"block_id"`
	Text     *textObj        `json:"text"`
	Fields   []textObj       `json:"fields"`
	Elements json.RawMessage `json:"elements"`
	Element  *element        `json:"element"`
	Label    *textObj        `json:"label"`
}

// validateBlocks checks the Block Kit rules Slack enforces with
// invalid_blocks: known block types, text limits, at most 10 fields, 25
// buttons per actions block, button styles, unique action and block ids.
func validateBlocks(raw []byte, maxBlocks int) error {
	var blocks []block
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return err
	}
	if len(blocks) > maxBlocks {
		return fmt.Errorf("%d blocks, at most %d", len(blocks), maxBlocks)
	}
	actionIDs, blockIDs := map[string]bool{}, map[string]bool{}
	for i, b := range blocks {
		if b.BlockID != "" {
			if blockIDs[b.BlockID] {
				return fmt.Errorf("block %d: duplicate block_id %q", i, b.BlockID)
			}
			blockIDs[b.BlockID] = true
		}
		switch b.Type {
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" || !fits(b.Text.Text, "header") {
				return fmt.Errorf("block %d: bad header", i)
			}
		case "section":
			if b.Text == nil && len(b.Fields) == 0 {
				return fmt.Errorf("block %d: empty section", i)
			}
			if b.Text != nil && !fits(b.Text.Text, "section") {
				return fmt.Errorf("block %d: section text too long", i)
			}
			if len(b.Fields) > 10 {
				return fmt.Errorf("block %d: %d fields", i, len(b.Fields))
			}
			for _, f := range b.Fields {
				if !fits(f.Text, "field") {
					return fmt.Errorf("block %d: field too long", i)
				}
			}
		case "context":
			var els []textObj
			if err := json.Unmarshal(b.Elements, &els); err != nil || len(els) == 0 || len(els) > 10 {
				return fmt.Errorf("block %d: bad context", i)
			}
			for _, e := range els {
				if !fits(e.Text, "context") {
					return fmt.Errorf("block %d: context too long", i)
				}
			}
		case "actions":
			var els []element
			if err := json.Unmarshal(b.Elements, &els); err != nil || len(els) == 0 || len(els) > 25 {
				return fmt.Errorf("block %d: bad actions", i)
			}
			for _, e := range els {
				if err := checkButton(e, actionIDs); err != nil {
					return fmt.Errorf("block %d: %w", i, err)
				}
			}
		case "input":
			if b.Label == nil || !fits(b.Label.Text, "label") || b.Element == nil {
				return fmt.Errorf("block %d: bad input", i)
			}
		case "divider", "image", "rich_text":
		default:
			return fmt.Errorf("block %d: unknown type %q", i, b.Type)
		}
	}
	return nil
}

func checkButton(e element, actionIDs map[string]bool) error {
	if e.Type != "button" || e.Text == nil || !fits(e.Text.Text, "button") {
		return fmt.Errorf("bad button %q", e.ActionID)
	}
	if e.ActionID == "" && e.URL == "" {
		return fmt.Errorf("button %q without action_id", e.Text.Text)
	}
	if len(e.ActionID) > 255 || actionIDs[e.ActionID] {
		return fmt.Errorf("bad or duplicate action_id %q", e.ActionID)
	}
	actionIDs[e.ActionID] = true
	if e.Style != "" && e.Style != "primary" && e.Style != "danger" {
		return fmt.Errorf("button style %q", e.Style)
	}
	if c := e.Confirm; c != nil {
		if c.Title == nil || c.Text == nil || c.Confirm == nil ||
			utf8.RuneCountInString(c.Title.Text) > 100 || utf8.RuneCountInString(c.Text.Text) > 300 ||
			utf8.RuneCountInString(c.Confirm.Text) > 30 || (c.Deny != nil && utf8.RuneCountInString(c.Deny.Text) > 30) {
			return fmt.Errorf("bad confirm on %q", e.ActionID)
		}
	}
	return nil
}

func fits(s, what string) bool { return s != "" && utf8.RuneCountInString(s) <= textLimit(what) }
