"""The rights app's commands: `tunemeter rights import-csv|import-ern`."""
