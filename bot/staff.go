package bot

import "context"

// RequireStaff refuses events on StaffOnly routes (see Scope) from users who
// are not staff, before the handler runs, so nothing changes.
func RequireStaff(s SettingsStore) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, e Event) (*Reply, error) {
			if ri, ok := RouteFrom(ctx); ok && ri.Scope == StaffOnly {
				st, err := s.Settings(ctx)
				if err != nil {
					return nil, err
				}
				if !st.IsStaff(e.User) {
					return nil, Errorf(CodeForbidden, "err.forbidden")
				}
			}
			return next.HandleEvent(ctx, e)
		})
	}
}
