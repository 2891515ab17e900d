package bot

// Localized is implemented by skills and platforms that bring their own
// words: Install adds them to the catalogue, so the wiring does not list
// every package's messages.
type Localized interface {
	Messages() Messages
}

// Install wires skills in order: it adds the messages of each Localized
// skill to c, registers each on r (message handlers run in this order), and
// returns the skills that are Runners, for Engine.Run. Call it once, after
// the engine exists and before it runs. It panics, like the Router and the
// Catalog, on a route or catalogue key defined twice.
func Install(r *Router, c *Catalog, skills ...Skill) []Runner {
	var runners []Runner
	for _, s := range skills {
		if l, ok := s.(Localized); ok {
			c.Add(l.Messages())
		}
		s.Register(r)
		if rn, ok := s.(Runner); ok {
			runners = append(runners, rn)
		}
	}
	return runners
}
