package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"maillage/internal/domain"
)

// The OpenAPI document is generated from the route table (paths, methods,
// parameters) and from the Go types of request and response bodies
// (JSON schemas by reflection, named structs as components). It is OpenAPI
// 3.1 (JSON Schema 2020-12: nullable values are type arrays such as
// ["string", "null"]); the tests load and validate it with kin-openapi, which
// validates 3.1 documents with its JSON Schema 2020-12 validator.

type schemaGen struct {
	components map[string]any
	names      map[reflect.Type]string
}

var (
	timeType = reflect.TypeFor[time.Time]()
	dateType = reflect.TypeFor[domain.Date]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// enums lists the allowed values of string types.
var enums = map[reflect.Type][]string{
	reflect.TypeFor[domain.Visibility]():    {"", "private", "partners", "network", "public"},
	reflect.TypeFor[domain.TerritoryType](): {"", "region", "departement", "epci", "commune", "arrondissement_municipal", "perimetre"},
}

// descriptions documents some fields of the components (French, for API users).
var descriptions = map[string]string{
	"version":        "Version de l'enregistrement : une modification doit renvoyer la version lue (ou l'en-tête If-Match), sinon 409.",
	"owner_org":      "Organisation propriétaire (lecture seule ; fixée à la création).",
	"created_at":     "Date de création (lecture seule).",
	"updated_at":     "Date de dernière modification (lecture seule).",
	"visibility":     "Qui peut lire l'enregistrement : private, partners, network, public.",
	"zone":           "Codes des territoires servis : communes, EPCI, départements, périmètres.",
	"places":         "Communes d'implantation.",
	"capacity":       "Places ou participants par an.",
	"requested_code": "Code demandé quand c'est un ancien code (commune déléguée, associée, fusionnée) : la réponse décrit la commune actuelle.",
	"communes":       "Codes des communes membres (EPCI, département, région, périmètre).",
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case dateType:
		// Answers are YYYY-MM-DD; requests may also use DD/MM/YYYY, as
		// people type dates (so no "format": "date").
		return map[string]any{"type": "string", "description": "Date AAAA-MM-JJ (en entrée, JJ/MM/AAAA est aussi accepté).", "examples": []any{"2024-09-01"}}
	case rawType:
		return map[string]any{}
	}
	if vals, ok := enums[t]; ok {
		return map[string]any{"type": "string", "enum": vals}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nullable(g.schema(t.Elem()))
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return map[string]any{"type": "integer"}
	case reflect.Int64, reflect.Uint64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		// encoding/json writes a nil slice as null.
		return map[string]any{"type": []any{"array", "null"}, "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := g.componentName(t)
		if _, done := g.names[t]; !done {
			g.names[t] = name
			g.components[name] = nil // placeholder against recursion
			g.components[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	panic(fmt.Sprintf("api: no JSON schema for %s", t))
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	for _, f := range structFields(t) {
		s := g.schema(f.Type)
		if d, ok := descriptions[f.name]; ok {
			if _, isRef := s["$ref"]; !isRef {
				s["description"] = d
			}
		}
		props[f.name] = s
	}
	return map[string]any{"type": "object", "properties": props}
}

// componentName names a struct type: its Go name, and for an instance of a
// generic type (List[domain.Action]) the element's name and the generic's
// ("ActionList").
func (g *schemaGen) componentName(t reflect.Type) string {
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 {
		base := name[:i]
		arg := name[i+1 : len(name)-1]
		if j := strings.LastIndexAny(arg, "./"); j >= 0 {
			arg = arg[j+1:]
		}
		name = arg + base
	}
	if name == "" {
		panic(fmt.Sprintf("api: anonymous struct %s in a schema: declare a named type", t))
	}
	for other, n := range g.names {
		if n == name && other != t {
			panic(fmt.Sprintf("api: two types named %s (%s, %s)", name, t, other))
		}
	}
	return name
}

func nullable(s map[string]any) map[string]any {
	if _, ok := s["$ref"]; ok {
		return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
	}
	switch typ := s["type"].(type) {
	case string:
		s["type"] = []any{typ, "null"}
	case []any:
		for _, x := range typ {
			if x == "null" {
				return s
			}
		}
		s["type"] = append(typ, "null")
	}
	return s
}

func problemResponse(desc string) map[string]any {
	return map[string]any{
		"description": desc,
		"content": map[string]any{"application/problem+json": map[string]any{
			"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}},
	}
}

// openAPI builds the document from the route table.
func (s *Server) openAPI() ([]byte, error) {
	g := &schemaGen{components: map[string]any{}, names: map[reflect.Type]string{}}
	g.schema(reflect.TypeFor[Problem]())
	paths := map[string]map[string]any{}
	ops := map[string]bool{}
	tags := map[string]bool{}
	for _, rt := range s.routes {
		if ops[rt.OperationID] {
			return nil, fmt.Errorf("api: operation id %s used twice", rt.OperationID)
		}
		ops[rt.OperationID] = true
		tags[rt.Tag] = true
		op := map[string]any{
			"operationId": rt.OperationID,
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
		}
		if rt.Description != "" {
			op["description"] = rt.Description
		}
		var params []any
		declared := map[string]Param{}
		for _, p := range rt.Params {
			if p.In == "path" {
				declared[p.Name] = p
			}
		}
		for _, name := range rt.pathParams() {
			p, ok := declared[name]
			if !ok {
				p = Param{Name: name, In: "path"}
			}
			p.Required = true
			params = append(params, paramObject(p))
		}
		for _, p := range rt.Params {
			if p.In == "" || p.In == "query" {
				p.In = "query"
				params = append(params, paramObject(p))
			}
		}
		if rt.Conditional {
			params = append(params, map[string]any{
				"name": "If-Match", "in": "header", "required": false,
				"description": "Version lue, par exemple \"3\" (ou le champ « version » du corps).",
				"schema":      map[string]any{"type": "string"},
			})
		}
		if rt.ETag {
			params = append(params, map[string]any{
				"name": "If-None-Match", "in": "header", "required": false,
				"description": "Version déjà connue, par exemple \"3\" : 304 si elle n'a pas changé.",
				"schema":      map[string]any{"type": "string"},
			})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Body != nil {
			op["requestBody"] = map[string]any{
				"required": true,
				"content": map[string]any{"application/json": map[string]any{
					"schema": g.schema(reflect.TypeOf(rt.Body))}},
			}
		}
		responses := map[string]any{}
		success := map[string]any{"description": "Succès"}
		switch {
		case rt.Produces != nil:
			content := map[string]any{}
			for _, mt := range rt.Produces {
				content[mt] = map[string]any{"schema": map[string]any{}}
			}
			success["content"] = content
		case rt.Response != nil:
			mt := rt.ResponseType
			if mt == "" {
				mt = "application/json"
			}
			success["content"] = map[string]any{mt: map[string]any{
				"schema": g.schema(reflect.TypeOf(rt.Response))}}
		}
		if rt.ETag {
			success["headers"] = map[string]any{"ETag": map[string]any{
				"description": "Version de l'enregistrement, à renvoyer dans If-Match pour le modifier.",
				"schema":      map[string]any{"type": "string"}}}
			responses["304"] = map[string]any{"description": "Non modifié (If-None-Match)."}
		}
		responses[strconv.Itoa(rt.SuccessStatus())] = success
		if len(params) > 0 || rt.Body != nil {
			responses["400"] = problemResponse("Requête invalide : les champs en cause sont listés dans errors.")
		}
		if rt.Write {
			responses["401"] = problemResponse("Authentification requise.")
			responses["403"] = problemResponse("Opération non permise.")
			op["security"] = []any{map[string]any{"bearerAuth": []any{}}}
		}
		if len(rt.pathParams()) > 0 {
			responses["404"] = problemResponse("Introuvable.")
		}
		if rt.Write {
			responses["409"] = problemResponse("Conflit : version périmée, doublon ou enregistrement encore utilisé.")
		}
		if rt.Conditional {
			responses["428"] = problemResponse("Version absente : champ « version » ou en-tête If-Match requis.")
		}
		if rt.Body != nil {
			responses["413"] = problemResponse("Corps trop volumineux.")
			responses["415"] = problemResponse("Type de contenu non JSON.")
		}
		responses["default"] = problemResponse("Erreur.")
		op["responses"] = responses
		path := Prefix + rt.Path
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		m := strings.ToLower(rt.Method)
		if _, dup := paths[path][m]; dup {
			return nil, fmt.Errorf("api: route %s registered twice", rt.Pattern())
		}
		paths[path][m] = op
	}
	var tagList []any
	for _, t := range sortedKeys(tags) {
		tagList = append(tagList, map[string]any{"name": t})
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "API de Maillage",
			"version": "1",
			"description": "API JSON de Maillage, l'observatoire partagé de l'action sociale : territoires, indicateurs, " +
				"acteurs, actions, financements, référentiels et exports.\n\n" +
				"Lectures ouvertes ; écritures avec l'en-tête « Authorization: Bearer <jeton> » (jeton d'administration affiché " +
				"au premier démarrage de « maillage serve »). Listes paginées par offset et limit (défaut 50, maximum 500), " +
				"avec total et liens. Modifications : renvoyer la version lue (champ « version » ou If-Match) ; une version " +
				"périmée donne 409 et rien n'est écrasé ; une version absente donne 428. Erreurs au format " +
				"application/problem+json (RFC 9457) avec la liste des champs en cause.",
		},
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"tags":              tagList,
		"paths":             paths,
		"components": map[string]any{
			"schemas": g.components,
			"securitySchemes": map[string]any{
				"bearerAuth": map[string]any{"type": "http", "scheme": "bearer",
					"description": "Jeton d'administration (en attendant les comptes)."},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func paramObject(p Param) map[string]any {
	typ := p.Type
	if typ == "" {
		typ = "string"
	}
	sch := map[string]any{"type": typ}
	if len(p.Enum) > 0 {
		sch["enum"] = p.Enum
	}
	if p.Minimum != nil {
		sch["minimum"] = *p.Minimum
	}
	if p.Maximum != nil {
		sch["maximum"] = *p.Maximum
	}
	o := map[string]any{"name": p.Name, "in": p.In, "schema": sch}
	if p.Required {
		o["required"] = true
	}
	if p.Description != "" {
		o["description"] = p.Description
	}
	return o
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
