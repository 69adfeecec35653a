"""Streamlit helpers shared by the pages (language, engine, sidebar, organisation).

Domain logic stays in dxcore; this package only wires it to Streamlit.
"""
