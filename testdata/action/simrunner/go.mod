// The simulated runner for `make action-test`. A module of its own so that
// its YAML parser stays out of provenant's go.mod.
module github.com/provenant/provenant/testdata/action/simrunner

go 1.26

require gopkg.in/yaml.v3 v3.0.1
