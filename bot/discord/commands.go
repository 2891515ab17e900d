package discord

import (
	"errors"
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/commpilot/commpilot/bot"
)

// CommandName is the one slash command commpilot registers.
const CommandName = "cm"

// maxOptions is how many options (or subcommands) one level may hold.
const maxOptions = 25

var nameRE = regexp.MustCompile(`^[-_a-z0-9]{1,32}$`)

// CommandTree derives the /cm application command from the router's
// commands: a single-word route becomes a top-level subcommand, "group verb"
// a subcommand group holding a subcommand, in registration order. Option
// types map as OptWord, OptText, OptDuration → string; OptChannel → channel;
// OptUser → user; OptRole → role; OptMentionable → mentionable; OptInt → integer; OptChoice → string with
// choices; Autocomplete set → autocomplete. It returns an error, instead of
// a tree Discord would refuse, for a bad name, a description outside 1..100
// characters, a required option after an optional one, or too many entries.
// A group that is also a single-word route is refused too: Discord cannot
// have "/cm inbox" and "/cm inbox assign" both (use Command.Default for the
// former).
func CommandTree(cmds []bot.Command) (*discordgo.ApplicationCommand, error) {
	root := &discordgo.ApplicationCommand{
		Type:        discordgo.ChatApplicationCommand,
		Name:        CommandName,
		Description: "commpilot: inbox, schedule, moderation, digest, setup",
		Options:     []*discordgo.ApplicationCommandOption{},
	}
	groups := map[string]*discordgo.ApplicationCommandOption{}
	singles := map[string]bool{}
	for _, c := range cmds {
		sub, err := subcommand(c)
		if err != nil {
			return nil, err
		}
		g, v := c.Group(), c.Verb()
		if v == "" {
			if groups[g] != nil {
				return nil, fmt.Errorf("command %q: %q is also a group of subcommands; Discord cannot have both", c.Route, g)
			}
			singles[g] = true
			root.Options = append(root.Options, sub)
			continue
		}
		if singles[g] {
			return nil, fmt.Errorf("command %q: %q is also a command on its own; Discord cannot have both", c.Route, g)
		}
		if err := checkName("group", g); err != nil {
			return nil, fmt.Errorf("command %q: %w", c.Route, err)
		}
		grp := groups[g]
		if grp == nil {
			grp = &discordgo.ApplicationCommandOption{
				Type:        discordgo.ApplicationCommandOptionSubCommandGroup,
				Name:        g,
				Description: "/cm " + g,
			}
			groups[g] = grp
			root.Options = append(root.Options, grp)
		}
		grp.Options = append(grp.Options, sub)
		if len(grp.Options) > maxOptions {
			return nil, fmt.Errorf("group %q: more than %d subcommands", g, maxOptions)
		}
	}
	if len(root.Options) > maxOptions {
		return nil, fmt.Errorf("/%s: %d groups and commands, at most %d", CommandName, len(root.Options), maxOptions)
	}
	return root, nil
}

func subcommand(c bot.Command) (*discordgo.ApplicationCommandOption, error) {
	name := c.Verb()
	if name == "" {
		name = c.Group()
	}
	if err := checkName("command", name); err != nil {
		return nil, fmt.Errorf("command %q: %w", c.Route, err)
	}
	if err := checkDescription(c.Description); err != nil {
		return nil, fmt.Errorf("command %q: %w", c.Route, err)
	}
	if len(c.Options) > maxOptions {
		return nil, fmt.Errorf("command %q: %d options, at most %d", c.Route, len(c.Options), maxOptions)
	}
	sub := &discordgo.ApplicationCommandOption{
		Type:        discordgo.ApplicationCommandOptionSubCommand,
		Name:        name,
		Description: c.Description,
		Options:     []*discordgo.ApplicationCommandOption{},
	}
	optional := ""
	for _, o := range c.Options {
		if err := checkName("option", o.Name); err != nil {
			return nil, fmt.Errorf("command %q: %w", c.Route, err)
		}
		if err := checkDescription(o.Description); err != nil {
			return nil, fmt.Errorf("command %q option %q: %w", c.Route, o.Name, err)
		}
		if o.Required && optional != "" {
			return nil, fmt.Errorf("command %q: required option %q comes after optional %q; Discord wants required options first", c.Route, o.Name, optional)
		}
		if !o.Required {
			optional = o.Name
		}
		opt, err := option(o)
		if err != nil {
			return nil, fmt.Errorf("command %q option %q: %w", c.Route, o.Name, err)
		}
		sub.Options = append(sub.Options, opt)
	}
	return sub, nil
}

func option(o bot.Option) (*discordgo.ApplicationCommandOption, error) {
	opt := &discordgo.ApplicationCommandOption{
		Name:         o.Name,
		Description:  o.Description,
		Required:     o.Required,
		Autocomplete: o.Autocomplete != "",
	}
	switch o.Type {
	case bot.OptWord, bot.OptText, bot.OptDuration:
		opt.Type = discordgo.ApplicationCommandOptionString
	case bot.OptChannel:
		opt.Type = discordgo.ApplicationCommandOptionChannel
	case bot.OptUser:
		opt.Type = discordgo.ApplicationCommandOptionUser
	case bot.OptRole:
		opt.Type = discordgo.ApplicationCommandOptionRole
	case bot.OptMentionable:
		opt.Type = discordgo.ApplicationCommandOptionMentionable
	case bot.OptInt:
		opt.Type = discordgo.ApplicationCommandOptionInteger
		zero := 0.0
		opt.MinValue = &zero
	case bot.OptChoice:
		opt.Type = discordgo.ApplicationCommandOptionString
		if len(o.Choices) == 0 || len(o.Choices) > maxChoices {
			return nil, fmt.Errorf("%d choices, want 1..%d", len(o.Choices), maxChoices)
		}
		if opt.Autocomplete {
			return nil, errors.New("choices and autocomplete exclude each other on Discord")
		}
		for _, ch := range o.Choices {
			if ch == "" || utf8.RuneCountInString(ch) > maxChoiceName {
				return nil, fmt.Errorf("choice %q must be 1..%d characters", ch, maxChoiceName)
			}
			opt.Choices = append(opt.Choices, &discordgo.ApplicationCommandOptionChoice{Name: ch, Value: ch})
		}
	default:
		return nil, fmt.Errorf("unknown option type %d", o.Type)
	}
	return opt, nil
}

func checkName(what, name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%s name %q must match %s", what, name, nameRE)
	}
	return nil
}

func checkDescription(d string) error {
	if n := utf8.RuneCountInString(d); n < 1 || n > 100 {
		return fmt.Errorf("description %q has %d characters, Discord wants 1..100", d, n)
	}
	return nil
}
