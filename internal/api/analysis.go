package api

// registerAnalysisRoutes adds the complementarity analysis routes to the
// route table (s.add(&Route{...})). This file belongs to the analysis work.
func (s *Server) registerAnalysisRoutes() {}
