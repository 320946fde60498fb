"""The API's documentation page works on an intranet: Swagger UI from the installed package."""

import re


def test_api_docs_load_swagger_from_this_server(people, client_for):
    response = client_for(people["district"]).get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources), sources
    assert all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
